import { sql } from "kysely";
import type { ScopeIds } from "../../db/scope.js";
import type { Database, Db } from "../../db/types.js";

export const ERASED = "[erased]";

/**
 * Values shorter than this are not scrubbed from free text environment-wide: "Al" or "DE" would
 * corrupt unrelated rows. Rows known to be about the customer are cleared whole instead.
 */
const MIN_SCRUB_LENGTH = 6;

export function scrubbable(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => v.length >= MIN_SCRUB_LENGTH))];
}

/**
 * Replaces every copy of the customer's personal values in free-text columns of one table of the
 * scope with `[erased]` (`replace` exists in both dialects). Returns the rows changed.
 */
export async function scrubText(
  tx: Db,
  scope: ScopeIds,
  table: keyof Database,
  columns: readonly string[],
  values: readonly string[],
): Promise<number> {
  let changed = 0;
  for (const value of scrubbable(values)) {
    for (const column of columns) {
      const col = sql.ref(column);
      const pattern = `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const result = await sql`
        update ${sql.table(table)} set ${col} = replace(${col}, ${value}, ${ERASED})
        where tenant_id = ${scope.tenantId} and environment_id = ${scope.environmentId}
          and ${col} like ${pattern} escape '\\'`.execute(tx);
      changed += Number(result.numAffectedRows ?? 0);
    }
  }
  return changed;
}
