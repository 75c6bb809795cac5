import { type Kysely, type Selectable, sql } from "kysely";
import type { Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type {
  Database,
  Db,
  EntitlementGrantsTable,
  SigningKeysTable,
  UsageCountersTable,
  UsageRecordsTable,
} from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";
import { preparedQuery } from "../../lib/prepared.js";

/* Every query filters on tenant and environment: an object of another scope simply does not exist. */

export type GrantRow = Selectable<EntitlementGrantsTable>;
export type UsageRecordRow = Selectable<UsageRecordsTable>;
export type UsageCounterRow = Selectable<UsageCountersTable>;
export type SigningKeyRow = Selectable<SigningKeysTable>;

const scoped = (scope: Scope) => ({ tenant_id: scope.tenantId, environment_id: scope.environmentId });

/* Grants. */

export async function insertGrant(db: Db, row: GrantRow): Promise<void> {
  await db.insertInto("entitlement_grants").values(row).execute();
}

export async function findGrant(db: Db, scope: Scope, customerId: string, id: string): Promise<GrantRow | undefined> {
  return db
    .selectFrom("entitlement_grants")
    .selectAll()
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** All of a customer's grants, newest first (a customer has a handful, not thousands). */
export async function listGrants(db: Db, scope: Scope, customerId: string): Promise<GrantRow[]> {
  return db
    .selectFrom("entitlement_grants")
    .selectAll()
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .orderBy("id", "desc")
    .execute();
}

// The queries every token and check runs are compiled once (see lib/prepared.ts); their results
// are never cached, so a change shows in the next request.

/** What resolving a customer's entitlements reads of a grant (not its reason, owner or times). */
export type ActiveGrant = Pick<
  GrantRow,
  | "id"
  | "entitlement_id"
  | "entitlement_key"
  | "kind"
  | "period"
  | "quota_limit"
  | "tier_level"
  | "content"
  | "expires_at"
>;

const activeGrants = preparedQuery(["tenant", "env", "customer", "now"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("entitlement_grants")
    .select([
      "id",
      "entitlement_id",
      "entitlement_key",
      "kind",
      "period",
      "quota_limit",
      "tier_level",
      "content",
      "expires_at",
    ])
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("customer_id", "=", p.customer)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", p.now)]))
    .orderBy("id"),
);

/** Grants granting at `now`: not revoked and not expired (expires_at is exclusive). */
export async function listActiveGrants(db: Db, scope: Scope, customerId: string, now: string): Promise<ActiveGrant[]> {
  const values = { tenant: scope.tenantId, env: scope.environmentId, customer: customerId, now };
  return (await activeGrants(db, values)).rows;
}

export async function revokeGrant(db: Db, scope: Scope, id: string, at: string): Promise<void> {
  await db
    .updateTable("entitlement_grants")
    .set({ revoked_at: at })
    .where(inScope(scope))
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .execute();
}

/* Usage. */

export async function insertUsageRecord(db: Db, row: UsageRecordRow): Promise<void> {
  await db.insertInto("usage_records").values(row).execute();
}

export async function findUsageByIdempotencyKey(
  db: Db,
  scope: Scope,
  customerId: string,
  key: string,
): Promise<UsageRecordRow | undefined> {
  return db
    .selectFrom("usage_records")
    .selectAll()
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .where("idempotency_key", "=", key)
    .executeTakeFirst();
}

export interface UsageFilter {
  entitlementId?: string | undefined;
  /** occurred_at ≥ from and < to, ISO-8601 UTC. */
  from?: string | undefined;
  to?: string | undefined;
}

/** One customer's records, newest recorded first (index usage_records_by_customer). */
export function pageUsageRecords(db: Db, scope: Scope, customerId: string, filter: UsageFilter, page: PageQuery) {
  let q = db.selectFrom("usage_records").selectAll().where(inScope(scope)).where("customer_id", "=", customerId);
  if (filter.entitlementId) q = q.where("entitlement_id", "=", filter.entitlementId);
  if (filter.from) q = q.where("occurred_at", ">=", filter.from);
  if (filter.to) q = q.where("occurred_at", "<", filter.to);
  return paginate(q, "id", page);
}

interface CounterKey {
  customerId: string;
  entitlementId: string;
  windowStart: string;
}

/** Adds `quantity` unconditionally (recorded use is a fact, even past the limit); returns the new total. */
export async function addUsage(db: Db, scope: Scope, key: CounterKey, quantity: number, now: string): Promise<number> {
  const row = await db
    .insertInto("usage_counters")
    .values({
      ...scoped(scope),
      customer_id: key.customerId,
      entitlement_id: key.entitlementId,
      window_start: key.windowStart,
      used: quantity,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .columns(["environment_id", "customer_id", "entitlement_id", "window_start"])
        .doUpdateSet((eb) => ({ used: eb("usage_counters.used", "+", quantity), updated_at: now })),
    )
    .returning("used")
    .executeTakeFirstOrThrow();
  return Number(row.used);
}

/**
 * Takes `quantity` only while `used + quantity <= limit`, in one statement: on Postgres the
 * UPDATE waits for a concurrent one on the same row and re-checks the condition on its result,
 * so concurrent consumers can never overspend; SQLite runs one writer at a time. Returns the new
 * total, or undefined when the quota does not have room.
 */
export async function consumeUsage(
  db: Db,
  scope: Scope,
  key: CounterKey,
  quantity: number,
  limit: number,
  now: string,
): Promise<number | undefined> {
  await db
    .insertInto("usage_counters")
    .values({
      ...scoped(scope),
      customer_id: key.customerId,
      entitlement_id: key.entitlementId,
      window_start: key.windowStart,
      used: 0,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(["environment_id", "customer_id", "entitlement_id", "window_start"]).doNothing())
    .execute();
  const row = await db
    .updateTable("usage_counters")
    .set((eb) => ({ used: eb("used", "+", quantity), updated_at: now }))
    .where(inScope(scope))
    .where("customer_id", "=", key.customerId)
    .where("entitlement_id", "=", key.entitlementId)
    .where("window_start", "=", key.windowStart)
    .where((eb) => eb(eb("used", "+", quantity), "<=", limit))
    .returning("used")
    .executeTakeFirst();
  return row ? Number(row.used) : undefined;
}

const counterByKey = preparedQuery(["tenant", "env", "customer", "entitlement", "window"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("usage_counters")
    .selectAll()
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("customer_id", "=", p.customer)
    .where("entitlement_id", "=", p.entitlement)
    .where("window_start", "=", p.window),
);

/** The customer's counters of the given windows (e.g. every quota's current one): a primary-key read each. */
export async function listCounters(
  db: Db,
  scope: Scope,
  customerId: string,
  windows: Array<{ entitlementId: string; windowStart: string }>,
): Promise<UsageCounterRow[]> {
  const rows: UsageCounterRow[] = [];
  for (const w of windows) {
    const values = {
      tenant: scope.tenantId,
      env: scope.environmentId,
      customer: customerId,
      entitlement: w.entitlementId,
      window: w.windowStart,
    };
    rows.push(...(await counterByKey(db, values)).rows);
  }
  return rows;
}

/* Signing keys. */

export async function insertSigningKey(db: Db, row: SigningKeyRow): Promise<void> {
  await db.insertInto("signing_keys").values(row).execute();
}

// `status = 'active'` is written into the SQL (not bound) so that SQLite can use the partial
// unique index, whose condition it must see literally.
const activeKey = preparedQuery(["tenant", "env"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("signing_keys")
    .selectAll()
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where(sql.ref("status"), "=", sql.lit("active")),
);

export async function findActiveSigningKey(db: Db, scope: Scope): Promise<SigningKeyRow | undefined> {
  return (await activeKey(db, { tenant: scope.tenantId, env: scope.environmentId })).rows[0];
}

// What signing needs on every token: which key is active. Its sealed private half is read only
// when this process has not imported that key yet.
const activeKeyRef = preparedQuery(["tenant", "env"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("signing_keys")
    .select(["id", "alg", "activates_at"])
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where(sql.ref("status"), "=", sql.lit("active")),
);

export async function findActiveSigningKeyRef(
  db: Db,
  scope: Scope,
): Promise<Pick<SigningKeyRow, "id" | "alg" | "activates_at"> | undefined> {
  return (await activeKeyRef(db, { tenant: scope.tenantId, env: scope.environmentId })).rows[0];
}

/**
 * The key that signs while the active one waits out its lead time: the retiring key whose signing
 * window (activates_at, rotated_at] holds `now`. Only read during a rotation's lead time.
 */
export async function findSigningPredecessor(db: Db, scope: Scope, now: string): Promise<SigningKeyRow | undefined> {
  return db
    .selectFrom("signing_keys")
    .selectAll()
    .where(inScope(scope))
    .where("status", "=", "retiring")
    .where("rotated_at", ">", now)
    .where((eb) => eb.or([eb("activates_at", "is", null), eb("activates_at", "<=", now)]))
    .orderBy("rotated_at", "asc")
    .executeTakeFirst();
}

export async function findSigningKey(db: Db, scope: Scope, id: string): Promise<SigningKeyRow | undefined> {
  return db.selectFrom("signing_keys").selectAll().where(inScope(scope)).where("id", "=", id).executeTakeFirst();
}

export async function listSigningKeys(db: Db, scope: Scope): Promise<SigningKeyRow[]> {
  return db.selectFrom("signing_keys").selectAll().where(inScope(scope)).orderBy("id", "desc").execute();
}

/** Keys a verifier may still meet: the active one and those retiring after `now`. */
export async function listPublishedKeys(
  db: Db,
  scope: Pick<Scope, "tenantId" | "environmentId">,
  now: string,
): Promise<Pick<SigningKeyRow, "id" | "alg" | "public_jwk">[]> {
  return db
    .selectFrom("signing_keys")
    .select(["id", "alg", "public_jwk"])
    .where(inScope(scope))
    .where((eb) => eb.or([eb("status", "=", "active"), eb("retires_at", ">", now)]))
    .orderBy("id", "desc")
    .execute();
}

/** Keys still signing (or queued to) after `at` stop at `at`. */
export async function endSigningBy(db: Db, scope: Scope, at: string): Promise<void> {
  await db
    .updateTable("signing_keys")
    .set({ rotated_at: at })
    .where(inScope(scope))
    .where("status", "=", "retiring")
    .where("rotated_at", ">", at)
    .execute();
}

export async function retireActiveKey(db: Db, scope: Scope, at: string, retiresAt: string): Promise<void> {
  await db
    .updateTable("signing_keys")
    .set({ status: "retiring", rotated_at: at, retires_at: retiresAt })
    .where(inScope(scope))
    .where("status", "=", "active")
    .execute();
}

/** Private halves of keys no token can need any more are erased: nothing left to steal. */
export async function erasePrivateKeysRetiredBy(db: Db, scope: Scope, now: string): Promise<void> {
  await db
    .updateTable("signing_keys")
    .set({ private_key_encrypted: null, status: "retired" })
    .where(inScope(scope))
    .where("status", "=", "retiring")
    .where("retires_at", "<=", now)
    .execute();
}
