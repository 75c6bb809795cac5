import { createHmac } from "node:crypto";

/*
 * Phone numbers (MSISDNs) are personal data that identify a person to their carrier. Tessera never
 * stores one: it is sent to the aggregator once, to start a PIN authorisation, and kept only as a
 * keyed hash (HMAC-SHA256 with a per-storefront secret), enough to recognise the same number again
 * (one subscription per number) and useless to anyone reading the table without the key.
 */

/** Digits only, international form without "+" or "00" (E.164 as carriers write it). */
export function normalizeMsisdn(input: string): string | null {
  const digits = input
    .replace(/[\s().-]/g, "")
    .replace(/^\+/, "")
    .replace(/^00/, "");
  return /^[1-9]\d{6,14}$/.test(digits) ? digits : null;
}

export function hashMsisdn(msisdn: string, key: string): string {
  const normalized = normalizeMsisdn(msisdn);
  if (!normalized) throw new Error("not an MSISDN");
  return `msisdn_h1_${createHmac("sha256", key).update(normalized).digest("hex")}`;
}

/** A number for logs and answers: country code and last two digits only. */
export function maskMsisdn(msisdn: string): string {
  const n = normalizeMsisdn(msisdn) ?? "";
  return n.length < 6 ? "***" : `+${n.slice(0, 2)}${"*".repeat(n.length - 4)}${n.slice(-2)}`;
}
