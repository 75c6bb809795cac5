import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { covers, discountOf, lastPeriodOf } from "./money.js";

const percent = (p: number) => ({ percentOffHundredths: Math.round(p * 100), amountsOff: null });

describe("discount arithmetic (integer minor units)", () => {
  it("rounds a percent half up to the minor unit and takes amounts off per currency", () => {
    expect(discountOf(percent(25), 999, "EUR")).toBe(250); // 249.75
    expect(discountOf(percent(12.5), 999, "EUR")).toBe(125); // 124.875
    expect(discountOf(percent(50), 999, "EUR")).toBe(500); // 499.5
    expect(discountOf(percent(33.33), 100, "EUR")).toBe(33); // 33.33
    expect(discountOf({ percentOffHundredths: null, amountsOff: { EUR: 300 } }, 999, "EUR")).toBe(300);
    expect(discountOf({ percentOffHundredths: null, amountsOff: { EUR: 300 } }, 999, "USD")).toBe(0);
    expect(discountOf({ percentOffHundredths: null, amountsOff: { EUR: 5000 } }, 999, "EUR")).toBe(999);
    expect(discountOf(percent(100), 999, "EUR")).toBe(999);
  });

  it("never takes off more than the amount, never less than zero, and is exact for whole cents", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_00 }), fc.integer({ min: 1, max: 10_000 }), (amount, h) => {
        const off = discountOf({ percentOffHundredths: h, amountsOff: null }, amount, "EUR");
        expect(Number.isInteger(off)).toBe(true);
        expect(off).toBeGreaterThanOrEqual(0);
        expect(off).toBeLessThanOrEqual(amount);
        // Within half a minor unit of the exact value.
        expect(Math.abs(off - (amount * h) / 10_000)).toBeLessThanOrEqual(0.5);
      }),
    );
  });

  it("covers once one period, repeating N, forever every later one", () => {
    expect(lastPeriodOf("once", null, 3)).toBe(3);
    expect(lastPeriodOf("repeating", 3, 2)).toBe(4);
    expect(lastPeriodOf("forever", null, 2)).toBeNull();
    const d = { first_period: 2, last_period: 4 };
    expect([1, 2, 4, 5].map((p) => covers(d, p))).toEqual([false, true, true, false]);
  });
});
