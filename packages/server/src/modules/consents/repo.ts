import { inScope, type ScopeIds } from "../../db/scope.js";
import type { ConsentRecordRow, Db } from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";

export async function insertConsent(db: Db, row: ConsentRecordRow): Promise<void> {
  await db.insertInto("consent_records").values(row).execute();
}

/** Every record of the customer in the customer's own order: when they acted, then when we heard. */
export function listCustomerConsents(db: Db, scope: ScopeIds, customerId: string): Promise<ConsentRecordRow[]> {
  return db
    .selectFrom("consent_records")
    .selectAll()
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .orderBy("occurred_at")
    .orderBy("id")
    .execute();
}

export function pageConsents(db: Db, scope: ScopeIds, customerId: string, page: PageQuery, purpose?: string) {
  let q = db.selectFrom("consent_records").selectAll().where(inScope(scope)).where("customer_id", "=", customerId);
  if (purpose) q = q.where("purpose", "=", purpose);
  return paginate(q, "id", page);
}
