import type { SubscriptionStatus } from "@tessera/core";
import type { Kysely } from "kysely";
import type { Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type { Database, Db, SubscriptionRow } from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";
import { preparedQuery, preparedShapes } from "../../lib/prepared.js";

/* Every query filters on tenant and environment: an object of another scope simply does not exist. */

type ScopeIds = Pick<Scope, "tenantId" | "environmentId">;

export async function insertSubscription(db: Db, row: SubscriptionRow): Promise<void> {
  await db.insertInto("subscriptions").values(row).execute();
}

// Read by every renewal, retry and API change: compiled once (see lib/prepared.ts).
const subscriptionById = preparedQuery(["tenant", "env", "id"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("subscriptions")
    .selectAll()
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("id", "=", p.id),
);

export async function findSubscription(db: Db, scope: ScopeIds, id: string): Promise<SubscriptionRow | undefined> {
  return (await subscriptionById(db, { tenant: scope.tenantId, env: scope.environmentId, id })).rows[0];
}

// The compare-and-set of every subscription change: one compiled statement per set of changed
// columns (a renewal, a reservation, a cancel… each writes its own few), compiled once.
const subscriptionUpdate = preparedShapes(
  (columns: readonly string[]) => columns.join(","),
  (columns: readonly string[]) =>
    preparedQuery([...columns, "$tenant", "$env", "$id", "$version"], (db: Kysely<Database>, p) =>
      db
        .updateTable("subscriptions")
        .set(Object.fromEntries(columns.map((c) => [c, p[c]!])))
        .where(inScope({ tenantId: p.$tenant!, environmentId: p.$env! }))
        .where("id", "=", p.$id!)
        .where("version", "=", p.$version as unknown as number),
    ),
);

/**
 * Compare-and-set: writes `next` only if the row still has the version it was read with. False
 * means another writer got there first; the caller re-reads and decides again.
 */
export async function updateSubscriptionIf(
  db: Db,
  scope: ScopeIds,
  next: SubscriptionRow,
  read: SubscriptionRow,
): Promise<boolean> {
  // Only the columns that changed: a renewal touches a handful of a wide row's columns.
  const columns: string[] = [];
  const values: Record<string, unknown> = {
    $tenant: scope.tenantId,
    $env: scope.environmentId,
    $id: read.id,
    $version: read.version,
  };
  for (const key in next) {
    const value = next[key as keyof SubscriptionRow];
    // undefined: not set (as Kysely's `set` treats it).
    if (value === undefined || value === read[key as keyof SubscriptionRow]) continue;
    columns.push(key);
    values[key] = value;
  }
  const result = await subscriptionUpdate(columns)(db, values);
  return Number(result.numAffectedRows) === 1;
}

export function pageSubscriptions(
  db: Db,
  scope: ScopeIds,
  page: PageQuery,
  filter: { customerId?: string | undefined; status?: SubscriptionStatus | undefined },
) {
  let q = db.selectFrom("subscriptions").selectAll().where(inScope(scope));
  if (filter.customerId) q = q.where("customer_id", "=", filter.customerId);
  if (filter.status) q = q.where("status", "=", filter.status);
  return paginate(q, "id", page);
}

export async function listCustomerSubscriptions(
  db: Db,
  scope: ScopeIds,
  customerId: string,
  statuses: readonly SubscriptionStatus[],
): Promise<SubscriptionRow[]> {
  return db
    .selectFrom("subscriptions")
    .selectAll()
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .where("status", "in", statuses)
    .orderBy("id")
    .execute();
}

async function exists(db: Db, scope: ScopeIds, column: "bundle_id" | "customer_id", value: string): Promise<boolean> {
  const row = await db
    .selectFrom("subscriptions")
    .select("id")
    .where(inScope(scope))
    .where(column, "=", value)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Any subscription, ended or not, keeps a bundle: its history names it. */
export const bundleHasSubscriptions = (db: Db, scope: ScopeIds, bundleId: string) =>
  exists(db, scope, "bundle_id", bundleId);
export const customerHasSubscriptions = (db: Db, scope: ScopeIds, customerId: string) =>
  exists(db, scope, "customer_id", customerId);

/**
 * A price migration's next batch (modules/price-changes): the live subscriptions on `priceId`, by
 * id after `after`, so a resumed run continues where it stopped.
 */
export function listOnPrice(
  db: Db,
  scope: ScopeIds,
  priceId: string,
  o: { storefrontId?: string | null; after: string | null; limit: number },
): Promise<SubscriptionRow[]> {
  let q = db
    .selectFrom("subscriptions")
    .selectAll()
    .where(inScope(scope))
    .where("price_id", "=", priceId)
    .where("status", "not in", ["cancelled", "expired"]);
  if (o.storefrontId) q = q.where("storefront_id", "=", o.storefrontId);
  if (o.after) q = q.where("id", ">", o.after);
  return q.orderBy("id").limit(o.limit).execute();
}

export async function countCustomerSubscriptions(db: Db, scope: ScopeIds, customerId: string): Promise<number> {
  const row = await db
    .selectFrom("subscriptions")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
