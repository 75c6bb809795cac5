/**
 * VAT rates for electronically supplied services, per country, as a maintained table in code: a
 * rate change is a reviewed commit with its date, not a setting someone mistypes. `standard` is
 * the standard rate; `reduced` is the rate the country applies to electronic publications where
 * it has a reduced one for them, else its main reduced rate (docs/invoicing.md says how to check).
 * Percent as decimal strings so 5.5 and 25.5 stay exact.
 */
export const RATES_AS_OF = "2026-01-01";

export interface CountryRates {
  standard: string;
  reduced: string;
  /** What the tax is called on the document. */
  name: string;
}

const VAT = "VAT";

export const TAX_RATES: Readonly<Record<string, CountryRates>> = {
  AT: { standard: "20", reduced: "10", name: VAT },
  BE: { standard: "21", reduced: "6", name: VAT },
  BG: { standard: "20", reduced: "9", name: VAT },
  CY: { standard: "19", reduced: "5", name: VAT },
  CZ: { standard: "21", reduced: "12", name: VAT },
  DE: { standard: "19", reduced: "7", name: VAT },
  DK: { standard: "25", reduced: "25", name: VAT },
  EE: { standard: "24", reduced: "9", name: VAT },
  ES: { standard: "21", reduced: "4", name: VAT },
  FI: { standard: "25.5", reduced: "13.5", name: VAT },
  FR: { standard: "20", reduced: "5.5", name: VAT },
  GR: { standard: "24", reduced: "6", name: VAT },
  HR: { standard: "25", reduced: "5", name: VAT },
  HU: { standard: "27", reduced: "5", name: VAT },
  IE: { standard: "23", reduced: "9", name: VAT },
  IT: { standard: "22", reduced: "4", name: VAT },
  LT: { standard: "21", reduced: "9", name: VAT },
  LU: { standard: "17", reduced: "3", name: VAT },
  LV: { standard: "21", reduced: "12", name: VAT },
  MT: { standard: "18", reduced: "5", name: VAT },
  NL: { standard: "21", reduced: "9", name: VAT },
  PL: { standard: "23", reduced: "5", name: VAT },
  PT: { standard: "23", reduced: "6", name: VAT },
  RO: { standard: "21", reduced: "11", name: VAT },
  SE: { standard: "25", reduced: "6", name: VAT },
  SI: { standard: "22", reduced: "5", name: VAT },
  SK: { standard: "23", reduced: "5", name: VAT },
  // Turkey: KDV (katma değer vergisi), 20 % since July 2023.
  TR: { standard: "20", reduced: "10", name: "KDV" },
};

export type RateClass = "standard" | "reduced";

/** The rate in hundredths of a percent (19 → 1900, 5.5 → 550), for integer arithmetic. */
export function rateHundredths(rate: string): number {
  const [whole, fraction = ""] = rate.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0").slice(0, 2));
}
