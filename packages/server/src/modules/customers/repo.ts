import type { Kysely } from "kysely";
import type { Scope } from "../../context.js";
import { inScope, type ScopeIds } from "../../db/scope.js";
import type { CustomerRow, CustomerUpdate, Database, Db } from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";
import { preparedQuery } from "../../lib/prepared.js";

/* Every query filters on tenant and environment: an object of another scope simply does not exist. */

export async function insertCustomer(db: Db, row: CustomerRow): Promise<void> {
  await db.insertInto("customers").values(row).execute();
}

// Every customer read (GET, entitlements, tokens) starts here: compiled once (lib/prepared.ts).
const customerById = preparedQuery(["tenant", "env", "id"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("customers")
    .selectAll()
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("id", "=", p.id),
);

export async function findCustomer(db: Db, scope: ScopeIds, id: string): Promise<CustomerRow | undefined> {
  return (await customerById(db, { tenant: scope.tenantId, env: scope.environmentId, id })).rows[0];
}

export interface CustomerFilter {
  storefrontId?: string | undefined;
  externalId?: string | undefined;
}

export function pageCustomers(db: Db, scope: Scope, page: PageQuery, filter: CustomerFilter) {
  let q = db.selectFrom("customers").selectAll().where(inScope(scope));
  if (filter.storefrontId) q = q.where("storefront_id", "=", filter.storefrontId);
  if (filter.externalId !== undefined) q = q.where("external_id", "=", filter.externalId);
  return paginate(q, "id", page);
}

export async function findCustomerByExternalId(
  db: Db,
  scope: Scope,
  storefrontId: string,
  externalId: string,
): Promise<CustomerRow | undefined> {
  return db
    .selectFrom("customers")
    .selectAll()
    .where(inScope(scope))
    .where("storefront_id", "=", storefrontId)
    .where("external_id", "=", externalId)
    .executeTakeFirst();
}

export async function updateCustomerRow(
  db: Db,
  scope: Scope,
  id: string,
  patch: Pick<CustomerUpdate, "email" | "name" | "country" | "metadata" | "updated_at">,
): Promise<void> {
  await db.updateTable("customers").set(patch).where(inScope(scope)).where("id", "=", id).execute();
}

export async function deleteCustomerRow(db: Db, scope: Scope, id: string): Promise<void> {
  await db.deleteFrom("customers").where(inScope(scope)).where("id", "=", id).execute();
}

export async function storefrontHasCustomers(db: Db, scope: Scope, storefrontId: string): Promise<boolean> {
  const row = await db
    .selectFrom("customers")
    .select("id")
    .where(inScope(scope))
    .where("storefront_id", "=", storefrontId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
