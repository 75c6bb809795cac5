import type { Insertable } from "kysely";
import type { ScopeIds } from "../../db/scope.js";
import { inScope } from "../../db/scope.js";
import type {
  Db,
  InvoiceRow,
  InvoicesTable,
  InvoicingBillingDetailsTable,
  InvoicingLegalEntitiesTable,
} from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";
import { preparedQuery } from "../../lib/prepared.js";

// Every charge asks (is there an invoice to issue?): compiled once (lib/prepared.ts).
const legalEntityOf = preparedQuery(["tenant", "env", "storefront"], (db: Db, p) =>
  db
    .selectFrom("invoicing_legal_entities")
    .selectAll()
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("storefront_id", "=", p.storefront),
);

export async function findLegalEntity(db: Db, scope: ScopeIds, storefrontId: string) {
  const found = await legalEntityOf(db, { tenant: scope.tenantId, env: scope.environmentId, storefront: storefrontId });
  return found.rows[0];
}

export async function upsertLegalEntity(db: Db, row: InvoicingLegalEntitiesTable) {
  const { storefront_id, tenant_id, environment_id, created_at, ...changes } = row;
  await db
    .insertInto("invoicing_legal_entities")
    .values(row)
    .onConflict((oc) => oc.column("storefront_id").doUpdateSet(changes))
    .execute();
}

export function findBillingDetails(db: Db, scope: ScopeIds, customerId: string) {
  return db
    .selectFrom("invoicing_billing_details")
    .selectAll()
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .executeTakeFirst();
}

export async function upsertBillingDetails(db: Db, row: InvoicingBillingDetailsTable) {
  const { customer_id, tenant_id, environment_id, created_at, ...changes } = row;
  await db
    .insertInto("invoicing_billing_details")
    .values(row)
    .onConflict((oc) => oc.column("customer_id").doUpdateSet(changes))
    .execute();
}

export async function deleteBillingDetails(db: Db, scope: ScopeIds, customerId: string) {
  await db
    .deleteFrom("invoicing_billing_details")
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .execute();
}

/** Asked for every captured payment (is it invoiced already?): compiled once. */
const selectBySource = preparedQuery(["tenantId", "environmentId", "key"], (db: Db, p) =>
  db.selectFrom("invoices").selectAll().where(inScope(p)).where("source_key", "=", p.key),
);

export async function findBySource(db: Db, scope: ScopeIds, sourceKey: string) {
  const values = { tenantId: scope.tenantId, environmentId: scope.environmentId, key: sourceKey };
  return (await selectBySource(db, values)).rows[0];
}

export function findDocument(db: Db, scope: ScopeIds, kind: InvoicesTable["kind"], id: string) {
  return db
    .selectFrom("invoices")
    .selectAll()
    .where(inScope(scope))
    .where("kind", "=", kind)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** Every document about a payment: its invoice and credit notes. */
export function listForPayment(db: Db, scope: ScopeIds, paymentId: string): Promise<InvoiceRow[]> {
  return db
    .selectFrom("invoices")
    .selectAll()
    .where(inScope(scope))
    .where("payment_id", "=", paymentId)
    .orderBy("id")
    .execute();
}

export async function insertDocument(db: Db, row: Insertable<InvoicesTable>) {
  await db.insertInto("invoices").values(row).execute();
}

export async function updateDocument(db: Db, scope: ScopeIds, id: string, changes: Partial<InvoiceRow>) {
  await db.updateTable("invoices").set(changes).where(inScope(scope)).where("id", "=", id).execute();
}

export interface DocumentFilter {
  customerId?: string | undefined;
  subscriptionId?: string | undefined;
  paymentId?: string | undefined;
  storefrontId?: string | undefined;
}

export function pageDocuments(
  db: Db,
  scope: ScopeIds,
  kind: InvoicesTable["kind"],
  page: PageQuery,
  filter: DocumentFilter,
) {
  let q = db.selectFrom("invoices").selectAll().where(inScope(scope)).where("kind", "=", kind);
  if (filter.customerId) q = q.where("customer_id", "=", filter.customerId);
  if (filter.subscriptionId) q = q.where("subscription_id", "=", filter.subscriptionId);
  if (filter.paymentId) q = q.where("payment_id", "=", filter.paymentId);
  if (filter.storefrontId) q = q.where("storefront_id", "=", filter.storefrontId);
  return paginate(q, "id", page);
}

/**
 * Captured charges of a storefront that have no invoice (captured before it had a legal entity),
 * oldest first. Abandoned charges were never captured and are left out, as the consumer does.
 */
export function uninvoicedPayments(
  db: Db,
  scope: ScopeIds,
  q: { storefrontId: string; since: string | undefined; limit: number },
): Promise<Array<{ id: string }>> {
  let query = db
    .selectFrom("payments as p")
    .leftJoin("invoices as i", (join) =>
      join
        .onRef("i.payment_id", "=", "p.id")
        .onRef("i.environment_id", "=", "p.environment_id")
        .on("i.kind", "=", "invoice"),
    )
    .select("p.id")
    .where(inScope(scope, "p"))
    .where("p.storefront_id", "=", q.storefrontId)
    .where("p.status", "in", ["succeeded", "refunded"])
    .where((eb) => eb.or([eb("p.failure_code", "is", null), eb("p.failure_code", "!=", "abandoned")]))
    .where("i.id", "is", null);
  if (q.since) query = query.where("p.created_at", ">=", q.since);
  return query.orderBy("p.created_at").orderBy("p.id").limit(q.limit).execute();
}
