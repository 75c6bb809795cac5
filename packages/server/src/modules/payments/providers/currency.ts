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
