import { isoExponent } from "../payments/index.js";

/** Minor units → the decimal string documents carry (999 EUR → "9.99", 500 JPY → "500"). */
export function decimal(minor: number, currency: string): string {
  const digits = isoExponent(currency);
  if (digits === 0) return String(minor);
  const sign = minor < 0 ? "-" : "";
  const s = String(Math.abs(minor)).padStart(digits + 1, "0");
  return `${sign}${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/** The date part of an ISO timestamp (documents carry dates, UTC). */
export function dateOf(iso: string | null): string | null {
  return iso ? iso.slice(0, 10) : null;
}
