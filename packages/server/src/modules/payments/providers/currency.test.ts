import { describe, expect, it } from "vitest";
import { fromVendorUnits, isoExponent, toVendorUnits } from "./currency.js";
import { STRIPE_EXPONENTS } from "./stripe/api.js";

describe("currency exponents at the vendor edge", () => {
  it("keeps ISO minor units where the vendor agrees", () => {
    expect(toVendorUnits(1999, "EUR", STRIPE_EXPONENTS)).toBe(1999);
    expect(toVendorUnits(500, "JPY", STRIPE_EXPONENTS)).toBe(500);
    expect(isoExponent("KWD")).toBe(3);
  });

  it("converts Stripe's two-decimal ISK and UGX both ways", () => {
    expect(toVendorUnits(100, "ISK", STRIPE_EXPONENTS)).toBe(10_000);
    expect(fromVendorUnits(10_000, "isk", STRIPE_EXPONENTS)).toBe(100);
  });

  it("refuses to round an amount that is not whole in our units", () => {
    expect(() => fromVendorUnits(10_050, "UGX", STRIPE_EXPONENTS)).toThrow(/whole minor units/);
  });
});
