import type { Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type { Db } from "../../db/types.js";

export interface Counter {
  storefrontId: string;
  series: string;
  /** 0 for a series that never resets. */
  year: number;
}

/**
 * The next number of a counter, taken inside the transaction that writes the document. The
 * update locks the counter row until that transaction ends (Postgres: a row lock that other
 * workers wait on; SQLite: one writer at a time), so numbers are handed out in commit order; a
 * transaction that rolls back gives its number back with it, so the series stays gapless, and a
 * committed number is never handed out again (fiscalization failing later changes nothing here).
 */
export async function takeNumber(tx: Db, scope: Scope, counter: Counter): Promise<number> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const taken = await tx
      .updateTable("invoice_sequences")
      .set((eb) => ({ last_number: eb("last_number", "+", 1) }))
      .where(inScope(scope))
      .where("storefront_id", "=", counter.storefrontId)
      .where("series", "=", counter.series)
      .where("year", "=", counter.year)
      .returning("last_number")
      .executeTakeFirst();
    if (taken) return Number(taken.last_number);
    await tx
      .insertInto("invoice_sequences")
      .values({
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        storefront_id: counter.storefrontId,
        series: counter.series,
        year: counter.year,
        last_number: 0,
      })
      .onConflict((oc) => oc.columns(["environment_id", "storefront_id", "series", "year"]).doNothing())
      .execute();
  }
  throw new Error(`invoice counter ${counter.series}/${counter.year} could not be made`);
}

/** `INV-2026-000042` (yearly) or `INV-000042`. */
export function defaultNumber(series: string, year: number, sequence: number): string {
  const n = String(sequence).padStart(6, "0");
  return year ? `${series}-${year}-${n}` : `${series}-${n}`;
}
