import { inScope, type ScopeIds } from "../../db/scope.js";
import type {
  Db,
  PriceMigrationRow,
  SubscriptionPriceChangeRow,
  SubscriptionPriceChangesTable,
} from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";

type ChangeStatus = SubscriptionPriceChangesTable["status"];

/** A change still waiting for its renewal: a subscription has at most one (plan.ts skips the rest). */
export const OPEN_STATUSES: readonly ChangeStatus[] = ["scheduled", "awaiting_consent", "consented", "declined"];

export async function insertMigration(db: Db, row: PriceMigrationRow): Promise<void> {
  await db.insertInto("price_migrations").values(row).execute();
}

export function findMigration(db: Db, scope: ScopeIds, id: string): Promise<PriceMigrationRow | undefined> {
  return db.selectFrom("price_migrations").selectAll().where(inScope(scope)).where("id", "=", id).executeTakeFirst();
}

export function pageMigrations(db: Db, scope: ScopeIds, page: PageQuery) {
  return paginate(db.selectFrom("price_migrations").selectAll().where(inScope(scope)), "id", page);
}

export async function saveCursor(db: Db, scope: ScopeIds, id: string, cursor: string): Promise<void> {
  await db.updateTable("price_migrations").set({ cursor }).where(inScope(scope)).where("id", "=", id).execute();
}

/** Marks the run completed; false when another run already did (so only one announces it). */
export async function completeMigration(db: Db, scope: ScopeIds, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable("price_migrations")
    .set({ status: "completed", completed_at: at })
    .where(inScope(scope))
    .where("id", "=", id)
    .where("status", "=", "running")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Per status, how many subscriptions the migration reached. */
export async function countChanges(db: Db, scope: ScopeIds, migrationId: string): Promise<Map<ChangeStatus, number>> {
  const rows = await db
    .selectFrom("subscription_price_changes")
    .select(["status", (eb) => eb.fn.countAll<number | string>().as("n")])
    .where(inScope(scope))
    .where("migration_id", "=", migrationId)
    .groupBy("status")
    .execute();
  return new Map(rows.map((r) => [r.status, Number(r.n)]));
}

/**
 * Records what the migration did to one subscription; false when it already had (a resumed or
 * concurrent run), in which case the caller must change nothing.
 */
export async function insertChange(db: Db, row: SubscriptionPriceChangeRow): Promise<boolean> {
  const result = await db
    .insertInto("subscription_price_changes")
    .values(row)
    .onConflict((oc) => oc.columns(["migration_id", "subscription_id"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export function findChange(db: Db, scope: ScopeIds, id: string): Promise<SubscriptionPriceChangeRow | undefined> {
  return db
    .selectFrom("subscription_price_changes")
    .selectAll()
    .where(inScope(scope))
    .where("id", "=", id)
    .executeTakeFirst();
}

export function findOpenChange(
  db: Db,
  scope: ScopeIds,
  subscriptionId: string,
): Promise<SubscriptionPriceChangeRow | undefined> {
  return db
    .selectFrom("subscription_price_changes")
    .selectAll()
    .where(inScope(scope))
    .where("subscription_id", "=", subscriptionId)
    .where("status", "in", OPEN_STATUSES)
    .executeTakeFirst();
}

/** Moves a change on from one of `from`; false when it had moved already (consumers run at least once). */
export async function moveChange(
  db: Db,
  scope: ScopeIds,
  id: string,
  from: readonly ChangeStatus[],
  to: { status: ChangeStatus; reason?: string | null; consent_record_id?: string | null; updated_at: string },
): Promise<boolean> {
  const result = await db
    .updateTable("subscription_price_changes")
    .set(to)
    .where(inScope(scope))
    .where("id", "=", id)
    .where("status", "in", from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export function pageChanges(db: Db, scope: ScopeIds, migrationId: string, page: PageQuery, status?: ChangeStatus) {
  let q = db
    .selectFrom("subscription_price_changes")
    .selectAll()
    .where(inScope(scope))
    .where("migration_id", "=", migrationId);
  if (status) q = q.where("status", "=", status);
  return paginate(q, "id", page);
}

export function listCustomerChanges(db: Db, scope: ScopeIds, customerId: string) {
  return db
    .selectFrom("subscription_price_changes")
    .selectAll()
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .orderBy("id")
    .execute();
}
