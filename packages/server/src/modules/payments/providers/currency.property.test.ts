import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ADYEN_EXPONENTS } from "./adyen/index.js";
import { fromDecimalString, fromVendorUnits, isoExponent, toDecimalString, toVendorUnits } from "./currency.js";
import { iyzicoPrice } from "./iyzico/api.js";
import { PAYPAL_EXPONENTS } from "./paypal/api.js";
import { STRIPE_EXPONENTS } from "./stripe/api.js";

/*
 * Money is exact at every vendor edge: every ISO 4217 currency (ICU's list plus our exponent
 * table), any amount in minor units, round-trips through each vendor's amount format unchanged, or
 * is refused, never rounded. The decimal strings are checked against a BigInt oracle.
 */

const CURRENCIES = [
  ...new Set([
    ...Intl.supportedValuesOf("currency"),
    "CLF",
    "UYW",
    "UYI",
    "KWD",
    "BHD",
    "JPY",
    "HUF",
    "TWD",
    "ISK",
    "UGX",
  ]),
];
const SEED = process.env.PROPERTY_SEED === "random" ? {} : { seed: Number(process.env.PROPERTY_SEED ?? 20261203) };
const runs = { numRuns: 3000, ...SEED };

const currency = fc.constantFrom(...CURRENCIES);
const amount = fc.oneof(
  fc.integer({ min: 0, max: 10_000 }),
  fc.integer({ min: 0, max: Math.floor(Number.MAX_SAFE_INTEGER / 1000) }),
);

/** The decimal string an exact implementation must produce, computed with BigInt. */
function oracle(minor: number, iso: number, vendor: number): string | undefined {
  const scaled = vendor >= iso ? BigInt(minor) * 10n ** BigInt(vendor - iso) : BigInt(minor);
  if (vendor < iso && scaled % 10n ** BigInt(iso - vendor) !== 0n) return undefined;
  const units = vendor >= iso ? scaled : scaled / 10n ** BigInt(iso - vendor);
  if (vendor === 0) return units.toString();
  const p = 10n ** BigInt(vendor);
  return `${units / p}.${(units % p).toString().padStart(vendor, "0")}`;
}

/** Vendors that take decimal strings, with their exponent deviations from ISO. */
const DECIMAL_VENDORS: Record<string, Readonly<Record<string, number>>> = {
  paypal: PAYPAL_EXPONENTS,
};

/** Vendors that take integer minor units. */
const MINOR_VENDORS: Record<string, Readonly<Record<string, number>>> = {
  stripe: STRIPE_EXPONENTS,
  adyen: ADYEN_EXPONENTS,
};

describe("money round-trips every ISO 4217 currency through each vendor's format", () => {
  it("covers every currency ICU knows, with exponents 0, 2, 3 and 4 among them", () => {
    expect(CURRENCIES.length).toBeGreaterThan(150);
    expect(new Set(CURRENCIES.map(isoExponent))).toEqual(new Set([0, 2, 3, 4]));
  });

  it.each(Object.entries(DECIMAL_VENDORS))("%s decimal strings: exact or refused, never rounded", (_vendor, table) => {
    fc.assert(
      fc.property(currency, amount, (c, a) => {
        const iso = isoExponent(c);
        const vendor = table[c] ?? iso;
        const expected = oracle(a, iso, vendor);
        if (expected === undefined) {
          expect(() => toDecimalString(a, c, table)).toThrow();
          return;
        }
        const text = toDecimalString(a, c, table);
        expect(text).toBe(expected);
        expect(fromDecimalString(text, c)).toBe(a);
      }),
      runs,
    );
  });

  it("ISO decimal strings (Braintree, iyzico) round-trip, also read back from JSON numbers", () => {
    fc.assert(
      fc.property(currency, fc.integer({ min: 0, max: 10_000_000 }), (c, a) => {
        const text = toDecimalString(a, c);
        expect(text).toBe(oracle(a, isoExponent(c), isoExponent(c)));
        expect(fromDecimalString(text, c)).toBe(a);
        // iyzico answers prices as JSON numbers (10.5): below 2^53 they read back exactly.
        expect(fromDecimalString(Number(text), c)).toBe(a);
        // iyzico's own price format drops trailing zeros ("10.5", "22.0") and still reads back.
        expect(fromDecimalString(iyzicoPrice(a, c), c)).toBe(a);
      }),
      runs,
    );
  });

  it.each(Object.entries(MINOR_VENDORS))("%s minor units round-trip", (_vendor, table) => {
    fc.assert(
      fc.property(currency, amount, (c, a) => {
        expect(fromVendorUnits(toVendorUnits(a, c, table), c, table)).toBe(a);
      }),
      runs,
    );
  });

  it("refuses vendor amounts finer than the currency's minor unit", () => {
    expect(() => fromDecimalString("1.005", "EUR")).toThrow(/finer/);
    expect(() => fromDecimalString("1.5", "JPY")).toThrow(/finer/);
    expect(fromDecimalString("1.50000000", "EUR")).toBe(150);
    expect(fromDecimalString("0.001", "KWD")).toBe(1);
    expect(() => fromDecimalString("1e3", "EUR")).toThrow();
    expect(toDecimalString(5, "KWD")).toBe("0.005");
    expect(toDecimalString(500, "JPY")).toBe("500");
    expect(toDecimalString(1, "CLF")).toBe("0.0001");
  });
});
