import type { Db, EnvironmentRow, TenantRow } from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";

export async function insertTenant(db: Db, row: TenantRow): Promise<void> {
  await db.insertInto("tenants").values(row).execute();
}

export async function insertEnvironment(db: Db, row: EnvironmentRow): Promise<void> {
  await db.insertInto("environments").values(row).execute();
}

/** By id or slug: `x-tn` accepts either. */
export async function findTenant(db: Db, ref: string): Promise<TenantRow | undefined> {
  return db
    .selectFrom("tenants")
    .selectAll()
    .where((eb) => eb.or([eb("id", "=", ref), eb("slug", "=", ref)]))
    .executeTakeFirst();
}

export function pageTenants(db: Db, page: PageQuery) {
  return paginate(db.selectFrom("tenants").selectAll(), "id", page);
}

export async function listEnvironments(db: Db, tenantIds: string[]): Promise<EnvironmentRow[]> {
  if (tenantIds.length === 0) return [];
  return db.selectFrom("environments").selectAll().where("tenant_id", "in", tenantIds).orderBy("id").execute();
}

export async function findEnvironment(db: Db, tenantId: string, name: string): Promise<EnvironmentRow | undefined> {
  return db
    .selectFrom("environments")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("name", "=", name)
    .executeTakeFirst();
}
