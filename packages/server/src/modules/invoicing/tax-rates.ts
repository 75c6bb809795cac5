/**
 * VAT rates per country, as a maintained table in code: a rate change is a reviewed commit with
 * its date, not a setting someone mistypes. Percent as decimal strings so 5.5 and 25.5 stay exact.
 *
 * `standard` is what electronically supplied services pay. `e_book` is the rate for electronically
 * supplied books (Annex III point 6 of Directive 2006/112/EC, as amended by Directive 2018/1713,
 * lets member states align e-publications with printed ones), or null where the country taxes
 * them at the standard rate. Newspapers and periodicals differ in several countries (FR 2.1 %,
 * BE and DK 0 %) and are not a class here. Sources and how to check them: docs/invoicing.md
 * ("Rates"); the Commission's TEDB and its "VAT rates applied in the Member States" are the
 * reference before a release.
 */
export const RATES_AS_OF = "2026-01-01";

/** What a price sells, as far as tax is concerned (the price's `tax_code`). */
export type TaxCode = "electronic_service" | "e_book";
/** Which column of the table a line was taxed by. */
export type RateClass = "standard" | "e_book";

export interface CountryRates {
  standard: string;
  e_book: string | null;
  /** What the tax is called on the document. */
  name: string;
}

const VAT = "VAT";

export const TAX_RATES: Readonly<Record<string, CountryRates>> = {
  AT: { standard: "20", e_book: "10", name: VAT },
  BE: { standard: "21", e_book: "6", name: VAT },
  BG: { standard: "20", e_book: "9", name: VAT }, // books and e-books since 1 July 2020
  CY: { standard: "19", e_book: "5", name: VAT },
  CZ: { standard: "21", e_book: "0", name: VAT }, // books, printed and electronic, 0 % since 1 January 2024
  DE: { standard: "19", e_book: "7", name: VAT },
  DK: { standard: "25", e_book: null, name: VAT }, // no reduced rate (0 % only for newspapers)
  EE: { standard: "24", e_book: "9", name: VAT },
  ES: { standard: "21", e_book: "4", name: VAT },
  FI: { standard: "25.5", e_book: "13.5", name: VAT },
  FR: { standard: "20", e_book: "5.5", name: VAT },
  GR: { standard: "24", e_book: "6", name: VAT },
  HR: { standard: "25", e_book: "5", name: VAT },
  HU: { standard: "27", e_book: "5", name: VAT },
  IE: { standard: "23", e_book: "0", name: VAT }, // e-books and audiobooks 0 % since 1 January 2023
  IT: { standard: "22", e_book: "4", name: VAT },
  LT: { standard: "21", e_book: "9", name: VAT },
  LU: { standard: "17", e_book: "3", name: VAT },
  LV: { standard: "21", e_book: "5", name: VAT }, // books, printed and electronic, 5 % since 1 January 2022
  MT: { standard: "18", e_book: "5", name: VAT },
  NL: { standard: "21", e_book: "9", name: VAT },
  PL: { standard: "23", e_book: "5", name: VAT },
  PT: { standard: "23", e_book: "6", name: VAT },
  RO: { standard: "21", e_book: "11", name: VAT }, // one reduced rate of 11 % since 1 August 2025
  SE: { standard: "25", e_book: "6", name: VAT },
  SI: { standard: "22", e_book: "5", name: VAT },
  SK: { standard: "23", e_book: "5", name: VAT },
  // Turkey: KDV (katma değer vergisi), 20 % since July 2023; e-books are not given a reduced rate here.
  TR: { standard: "20", e_book: null, name: "KDV" },
};

/** The rate a country applies to what a tax code sells, and which column it came from. */
export function rateFor(country: string, code: TaxCode): { rate: string; rateClass: RateClass } | undefined {
  const rates = TAX_RATES[country];
  if (!rates) return undefined;
  if (code === "e_book" && rates.e_book !== null) return { rate: rates.e_book, rateClass: "e_book" };
  return { rate: rates.standard, rateClass: "standard" };
}

/** The rate in hundredths of a percent (19 → 1900, 5.5 → 550), for integer arithmetic. */
export function rateHundredths(rate: string): number {
  const [whole, fraction = ""] = rate.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0").slice(0, 2));
}
