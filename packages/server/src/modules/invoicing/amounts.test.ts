import type { TaxDecision } from "@tessera/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeTotals, type LineInput } from "./amounts.js";
import { rateHundredths, TAX_RATES } from "./tax-rates.js";

// Every rate the table holds (standard and e-book), plus 0.
const RATES = [...new Set(Object.values(TAX_RATES).flatMap((r) => [r.standard, r.e_book ?? "0"])), "0"];

function line(amount: number, rate: string): LineInput {
  const tax: TaxDecision = { rule: "domestic", inputs: {}, category: "S", rate, rate_class: "standard", note: null };
  return {
    kind: "subscription",
    description: "x",
    bundle: null,
    price: null,
    periodStart: null,
    periodEnd: null,
    quantity: 1,
    amount,
    tax,
  };
}

/** BR-CO-17 as the schematron checks it, in minor units: |tax − round(net × rate)| < 100. */
const withinBrCo17 = (net: number, tax: number, rate: string) =>
  Math.abs(tax - Math.round((net * rateHundredths(rate)) / 10_000)) <= 1;

describe("invoice amounts: tax-inclusive and tax-exclusive prices", () => {
  it("tax-inclusive: net + tax = gross exactly, the lines add up, and the tax is net × rate within a cent", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -50_000, max: 5_000_000 }), fc.constantFrom(...RATES)), {
          minLength: 1,
          maxLength: 6,
        }),
        (spec) => {
          const t = computeTotals(
            spec.map(([a, r]) => line(a, r)),
            true,
          );
          const gross = spec.reduce((s, [a]) => s + a, 0);
          expect(t.netTotal + t.taxTotal).toBe(gross);
          expect(t.total).toBe(gross);
          expect(t.roundingAmount).toBe(0);
          expect(t.lines.reduce((s, l) => s + l.net_amount, 0)).toBe(t.netTotal);
          for (const g of t.taxSubtotals) {
            const lines = t.lines.filter((l) => l.tax_rate === g.rate);
            expect(lines.reduce((s, l) => s + l.net_amount, 0)).toBe(g.taxable_amount);
            const groupGross = spec.filter(([, r]) => r === g.rate).reduce((s, [a]) => s + a, 0);
            expect(g.taxable_amount + g.tax_amount).toBe(groupGross);
            expect(withinBrCo17(g.taxable_amount, g.tax_amount, g.rate)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("tax-exclusive: the amounts are the nets and tax is added on top, net × rate rounded half away from zero", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5_000_000 }), fc.constantFrom(...RATES), (amount, rate) => {
        const t = computeTotals([line(amount, rate)], false);
        expect(t.lines[0]!.net_amount).toBe(amount);
        expect(t.netTotal).toBe(amount);
        const exact = (amount * rateHundredths(rate)) / 10_000;
        expect(Math.abs(t.taxTotal - exact)).toBeLessThanOrEqual(0.5);
        expect(t.total).toBe(amount + t.taxTotal);
      }),
      { numRuns: 500 },
    );
  });

  it("known values: 9.99 at 20 % inclusive is 8.32 + 1.67; 9.99 at 19 % exclusive is 9.99 + 1.90 = 11.89", () => {
    const inclusive = computeTotals([line(999, "20")], true);
    expect([inclusive.netTotal, inclusive.taxTotal, inclusive.total]).toEqual([832, 167, 999]);
    const exclusive = computeTotals([line(999, "19")], false);
    expect([exclusive.netTotal, exclusive.taxTotal, exclusive.total]).toEqual([999, 190, 1189]);
    // A 5.5 % e-book rate: 4.99 inclusive contains 0.26 of tax.
    expect(computeTotals([line(499, "5.5")], true).taxTotal).toBe(26);
  });
});
