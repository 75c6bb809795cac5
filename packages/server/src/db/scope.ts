import { type Expression, type SqlBool, sql } from "kysely";

/** The two ids every tenant row carries (a `Scope` has them, and more). */
export interface ScopeIds {
  tenantId: string;
  environmentId: string;
}

/**
 * The filter every tenant query carries: rows of this tenant and environment only. One place, so
 * no repo can forget half of it. Pass the table's alias when the query joins, so the columns are
 * qualified (`be.tenant_id`); each joined tenant table is scoped by its own call. On SQLite this is
 * the only fence; on Postgres row-level security (db/rls.ts) stands behind it.
 *
 * The ids are bound as parameters, so prepared queries (lib/prepared.ts) may pass placeholders.
 *
 * @example db.selectFrom("customers").selectAll().where(inScope(scope)).where("id", "=", id)
 * @example db.selectFrom("bundle_entitlements as be").innerJoin("entitlements as e", …).where(inScope(scope, "be")).where(inScope(scope, "e"))
 */
export function inScope(scope: ScopeIds, table?: string): Expression<SqlBool> {
  const column = (name: string) => sql.ref(table ? `${table}.${name}` : name);
  return sql<SqlBool>`${column("tenant_id")} = ${scope.tenantId} and ${column("environment_id")} = ${scope.environmentId}`;
}
