import type { Insertable, Kysely } from "kysely";
import type { Database, Db, EnvironmentRow, EnvironmentsTable, TenantRow } from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";
import { preparedQuery } from "../../lib/prepared.js";

export async function insertTenant(db: Db, row: TenantRow): Promise<void> {
  await db.insertInto("tenants").values(row).execute();
}

export async function insertEnvironment(db: Db, row: Insertable<EnvironmentsTable>): Promise<void> {
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

/**
 * An environment with its tenant's slug: the scope of an authenticated key on every request, and of
 * work outside a request (workers). Compiled once; never cached, since a test clock moves.
 */
const environmentWithTenant = preparedQuery(["id"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("environments as e")
    .innerJoin("tenants as t", "t.id", "e.tenant_id")
    .select(["e.id", "e.name", "e.tenant_id", "e.test_clock_at", "t.slug"])
    .where("e.id", "=", p.id),
);

export async function findEnvironmentWithTenant(db: Db, environmentId: string) {
  return (await environmentWithTenant(db, { id: environmentId })).rows[0];
}

/** Returns the environment's tenant, or undefined when there is no such environment. */
export async function setTestClock(db: Db, environmentId: string, at: string | null): Promise<string | undefined> {
  const row = await db
    .updateTable("environments")
    .set({ test_clock_at: at })
    .where("id", "=", environmentId)
    .returning("tenant_id")
    .executeTakeFirst();
  return row?.tenant_id;
}
