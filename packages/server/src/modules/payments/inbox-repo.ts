import { inScope } from "../../db/scope.js";
import type { Db, PaymentRow, ProviderInboxRow } from "../../db/types.js";

/* The provider inbox's queries. Rows are scoped by environment like everything else. */

type ScopeIds = { tenantId: string; environmentId: string };

/** Inserts an event unless the same provider event is already in; true when this call added it. */
export async function insertInboxRow(db: Db, row: ProviderInboxRow): Promise<boolean> {
  const result = await db
    .insertInto("provider_inbox")
    .values(row)
    .onConflict((oc) => oc.columns(["environment_id", "provider", "provider_event_id"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function findInboxRow(db: Db, scope: ScopeIds, id: string): Promise<ProviderInboxRow | undefined> {
  return db.selectFrom("provider_inbox").selectAll().where(inScope(scope)).where("id", "=", id).executeTakeFirst();
}

/** Marks an event applied once: false when another run got there first. */
export async function finishInboxRow(
  db: Db,
  scope: ScopeIds,
  id: string,
  patch: Pick<ProviderInboxRow, "status" | "result" | "payment_id" | "applied_at">,
): Promise<boolean> {
  const result = await db
    .updateTable("provider_inbox")
    .set(patch)
    .where(inScope(scope))
    .where("id", "=", id)
    .where("status", "=", "pending")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The payment an event is about: by the provider's reference, else by our key when the vendor echoed it. */
export async function findPaymentOfEvent(
  db: Db,
  scope: ScopeIds,
  provider: string,
  event: { reference: string; merchantReference?: string },
): Promise<PaymentRow | undefined> {
  const byReference = await db
    .selectFrom("payments")
    .selectAll()
    .where(inScope(scope))
    .where("provider", "=", provider)
    .where("provider_reference", "=", event.reference)
    .executeTakeFirst();
  if (byReference || !event.merchantReference) return byReference;
  return db
    .selectFrom("payments")
    .selectAll()
    .where(inScope(scope))
    .where("provider", "=", provider)
    .where("idempotency_key", "=", event.merchantReference)
    .executeTakeFirst();
}

/** Puts an applied or unmatched event back in line for its job (applying is idempotent). */
export async function reopenInboxRow(db: Db, scope: ScopeIds, id: string): Promise<boolean> {
  const result = await db
    .updateTable("provider_inbox")
    .set({ status: "pending", result: null, applied_at: null })
    .where(inScope(scope))
    .where("id", "=", id)
    .where("status", "!=", "pending")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
