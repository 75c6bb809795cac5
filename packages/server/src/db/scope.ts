import { type Expression, type SqlBool, sql } from "kysely";

/**
 * The filter every tenant query carries: rows of this tenant and environment only. One place, so
 * no repo can forget half of it.
 *
 * @example db.selectFrom("customers").selectAll().where(inScope(scope)).where("id", "=", id)
 */
export function inScope(scope: { tenantId: string; environmentId: string }): Expression<SqlBool> {
  return sql<SqlBool>`${sql.ref("tenant_id")} = ${scope.tenantId} and ${sql.ref("environment_id")} = ${scope.environmentId}`;
}
