import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prorateShare, quoteChange, splitUnused } from "./proration.js";

const DAY = 86_400_000;

// A period of 1 hour to 2 years, an instant of change inside it, and amounts up to 10^12 minor units.
const windowArb = fc
  .record({
    startMs: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
    length: fc.integer({ min: 3_600_000, max: 730 * DAY }),
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ startMs, length, fraction }) => ({
    startMs,
    endMs: startMs + length,
    atMs: startMs + Math.floor(length * fraction),
  }));
const amountArb = fc.integer({ min: 0, max: 1_000_000_000_000 });

describe("proration", () => {
  it("worked example: half of a 30-day month of 9.99 upgraded to 19.99", () => {
    const window = { startMs: 0, endMs: 30 * DAY, atMs: 15 * DAY };
    expect(splitUnused(999, window)).toEqual({ credit: 499, used: 500 });
    expect(quoteChange({ paid: 999, newAmount: 1999, window, sameCycle: true })).toEqual({
      credit: 499,
      charge: 999,
      amount_due: 500,
    });
    // A new cycle charges the new price in full, minus the credit.
    expect(quoteChange({ paid: 999, newAmount: 9999, window, sameCycle: false }).amount_due).toBe(9500);
  });

  it("never credits a negative amount or more than was paid, and credit + used = paid", () => {
    fc.assert(
      fc.property(amountArb, windowArb, (paid, w) => {
        const { credit, used } = splitUnused(paid, w);
        expect(Number.isInteger(credit)).toBe(true);
        expect(credit).toBeGreaterThanOrEqual(0);
        expect(credit).toBeLessThanOrEqual(paid);
        expect(credit + used).toBe(paid);
      }),
    );
  });

  it("credits all at the start, nothing at the end, and less the later the change", () => {
    fc.assert(
      fc.property(amountArb, windowArb, fc.integer({ min: 0, max: 730 * DAY }), (paid, w, later) => {
        expect(splitUnused(paid, { ...w, atMs: w.startMs }).credit).toBe(paid);
        expect(splitUnused(paid, { ...w, atMs: w.endMs }).credit).toBe(0);
        const laterAt = Math.min(w.endMs, w.atMs + later);
        expect(splitUnused(paid, { ...w, atMs: laterAt }).credit).toBeLessThanOrEqual(splitUnused(paid, w).credit);
      }),
    );
  });

  it("an upgrade on the same cycle never owes the customer, and the sums are consistent", () => {
    fc.assert(
      fc.property(amountArb, amountArb, windowArb, (a, b, w) => {
        const [paid, newAmount] = a <= b ? [a, b] : [b, a];
        const quote = quoteChange({ paid, newAmount, window: w, sameCycle: true });
        expect(quote.amount_due).toBeGreaterThanOrEqual(0);
        expect(quote.amount_due).toBe(quote.charge - quote.credit);
        expect(quote.charge).toBeLessThanOrEqual(newAmount);
        // Never more than the difference of the two prices.
        expect(quote.amount_due).toBeLessThanOrEqual(newAmount - paid);
      }),
    );
  });

  it("is exact where floating point is not", () => {
    // 2^53 / 1000 would lose precision in doubles; BigInt keeps it.
    const big = 9_007_199_254_740;
    expect(prorateShare(big, 1, 3)).toBe(3_002_399_751_580);
    expect(prorateShare(100, 5, 0)).toBe(0);
    expect(() => prorateShare(-1, 1, 2)).toThrow(RangeError);
  });
});
