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
