/*
 * Tessera keeps money in ISO 4217 minor units. Vendors mostly agree; where one does not, its
 * adapter converts at the edge with its own exponent table, never in the services.
 */

/** ISO 4217 exponents that are not 2 (everything else has two decimals). */
const ISO_EXPONENTS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

export function isoExponent(currency: string): number {
  return ISO_EXPONENTS[currency.toUpperCase()] ?? 2;
}

/** Our minor units → the vendor's, for a vendor whose exponent for `currency` differs from ISO. */
export function toVendorUnits(
  amount: number,
  currency: string,
  vendorExponents: Readonly<Record<string, number>>,
): number {
  const shift = (vendorExponents[currency.toUpperCase()] ?? isoExponent(currency)) - isoExponent(currency);
  return shift === 0 ? amount : amount * 10 ** shift;
}

/** The vendor's minor units → ours; an amount that does not divide exactly is a vendor bug we refuse to round. */
export function fromVendorUnits(
  amount: number,
  currency: string,
  vendorExponents: Readonly<Record<string, number>>,
): number {
  const shift = (vendorExponents[currency.toUpperCase()] ?? isoExponent(currency)) - isoExponent(currency);
  if (shift === 0) return amount;
  const ours = amount / 10 ** shift;
  if (!Number.isInteger(ours)) throw new Error(`${amount} ${currency} does not convert to whole minor units`);
  return ours;
}

/**
 * Our minor units → a vendor's decimal string ("10.00", "1000", "1.500"), with the vendor's
 * exponent for the currency. Exact: integer arithmetic on digits, never floating point. An amount
 * the vendor's exponent cannot express (PayPal takes HUF without decimals) throws rather than round.
 */
export function toDecimalString(
  amount: number,
  currency: string,
  vendorExponents: Readonly<Record<string, number>> = {},
): string {
  if (!Number.isSafeInteger(amount)) throw new Error(`${amount} is not a whole number of minor units`);
  const iso = isoExponent(currency);
  const vendor = vendorExponents[currency.toUpperCase()] ?? iso;
  let digits = Math.abs(amount).toString();
  if (vendor < iso) {
    const dropped = digits.slice(-(iso - vendor)).padStart(iso - vendor, "0");
    if (/[^0]/.test(dropped)) throw new Error(`${amount} ${currency} has more decimals than the vendor takes`);
    digits = digits.length > iso - vendor ? digits.slice(0, -(iso - vendor)) : "0";
  } else digits += "0".repeat(vendor - iso);
  const sign = amount < 0 ? "-" : "";
  if (vendor === 0) return `${sign}${digits}`;
  const padded = digits.padStart(vendor + 1, "0");
  return `${sign}${padded.slice(0, -vendor)}.${padded.slice(-vendor)}`;
}

/**
 * A vendor's decimal amount (a string, or a JSON number such as iyzico's `10.5`) → our minor
 * units. Digits below the currency's minor unit must be zeros: a fraction of a cent is a vendor
 * answer we refuse to round.
 */
export function fromDecimalString(value: string | number, currency: string): number {
  const text = typeof value === "number" ? numberText(value) : value.trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`"${text}" is not a decimal amount`);
  const iso = isoExponent(currency);
  const fraction = m[3] ?? "";
  if (/[^0]/.test(fraction.slice(iso))) throw new Error(`${text} ${currency} is finer than its minor unit`);
  const minor = Number(`${m[2]}${fraction.slice(0, iso).padEnd(iso, "0")}`);
  if (!Number.isSafeInteger(minor)) throw new Error(`${text} ${currency} is too large`);
  return m[1] === "-" && minor !== 0 ? -minor : minor;
}

/** A JSON number as the shortest decimal that reads back to it, without exponent notation. */
function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`${n} is not an amount`);
  const s = String(n);
  return /e/i.test(s) ? n.toFixed(20).replace(/\.?0+$/, "") : s;
}
