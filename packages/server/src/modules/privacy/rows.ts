import type { ScopeIds } from "../../db/scope.js";
import { inScope } from "../../db/scope.js";
import type { Db } from "../../db/types.js";
import { fromJson } from "../../lib/json.js";

/**
 * Rows as an export shows them: without the tenant and environment ids (the archive is about one
 * customer of one environment), JSON columns parsed, secrets never included (callers select).
 */
export function exportRows<R extends Record<string, unknown>>(
  rows: readonly R[],
  jsonColumns: readonly (keyof R)[] = [],
): Record<string, unknown>[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row)) {
      if (key === "tenant_id" || key === "environment_id") continue;
      out[key] = jsonColumns.includes(key as keyof R) && typeof value === "string" ? fromJson(value, value) : value;
    }
    return out;
  });
}

/** Tables whose rows name their customer in `customer_id` and have an `id` other modules refer to. */
type CustomerOwnedTable = "subscriptions" | "payments" | "invoices";

/** Ids of one customer's rows of a table, in scope: a handler's `objectIds`. */
export async function customerRowIds(
  d: Db,
  scope: ScopeIds,
  table: CustomerOwnedTable,
  customerId: string,
): Promise<string[]> {
  const rows = await d
    .selectFrom(table)
    .select("id")
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .execute();
  return rows.map((r) => r.id);
}
