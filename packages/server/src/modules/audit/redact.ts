/*
 * Audit rows are never rewritten nor erased, so no personal data or secret may enter them: the
 * customer's personal fields are erasable elsewhere (crypto-shredding), and a copy here would
 * outlive the erasure. Keys that always hold secrets or contact data are redacted in any object;
 * the fields that are personal only on a customer (name, external id, country, metadata) are
 * redacted in customer objects. String values that look like an e-mail address or one of our
 * secrets are redacted wherever they are.
 */

export const REDACTED = "[redacted]";

const ALWAYS =
  /(^|_)(e?mail|email_address|phone|phone_number|mobile|address|line1|line2|street|city|postal_code|zip|token|tokens|secret|secrets|password|passphrase|credential|credentials|private_key|authorization|api_key|iban|card|card_number|cvc|cvv)$/i;
const PERSONAL_ON_CUSTOMER = /^(name|first_name|last_name|external_id|country|metadata|birthdate|ip|ip_address)$/i;
/*
 * Free text the merchant writes about one customer's objects (a grant's reason, metadata, who
 * collected a consent) may name the person, and no key could shred it here: redacted too.
 * Free text on configuration objects (a bundle's description) is kept.
 */
const FREE_TEXT_ABOUT_CUSTOMER = /^(reason|metadata|collected_by|note|notes|comment)$/i;
const ABOUT_A_CUSTOMER = new Set(["grant", "subscription", "payment", "consent"]);
const EMAIL = /[^\s@"]+@[^\s@"]+\.[A-Za-z]{2,}/g;
const SECRET = /\b(tsk|tpk|whsec|sk_live|sk_test)_[A-Za-z0-9_+/=-]{6,}/g;

/** Which of the key rules a key meets, worked out once per key (objects reuse a few dozen keys). */
const ALWAYS_KEY = 1;
const PERSONAL_KEY = 2;
const FREE_TEXT_KEY = 4;
const keyRules = new Map<string, number>();
function rulesOf(key: string): number {
  let rules = keyRules.get(key);
  if (rules === undefined) {
    rules =
      (ALWAYS.test(key) ? ALWAYS_KEY : 0) |
      (PERSONAL_ON_CUSTOMER.test(key) ? PERSONAL_KEY : 0) |
      (FREE_TEXT_ABOUT_CUSTOMER.test(key) ? FREE_TEXT_KEY : 0);
    // Keys come from our own objects and merchants' metadata: bounded, but not by us.
    if (keyRules.size < 10_000) keyRules.set(key, rules);
  }
  return rules;
}

function redactText(text: string): string {
  // Most strings are ids, codes and times: the cheap look first (an address has an @, a secret an _).
  const noEmail = text.includes("@") ? text.replace(EMAIL, REDACTED) : text;
  return noEmail.includes("_") ? noEmail.replace(SECRET, REDACTED) : noEmail;
}

export function redact(value: unknown, inCustomer = false): unknown {
  if (typeof value === "string") return redactText(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, inCustomer));
  const record = value as Record<string, unknown>;
  const customer = inCustomer || record.object === "customer";
  const aboutCustomer = typeof record.object === "string" && ABOUT_A_CUSTOMER.has(record.object);
  const redacting = ALWAYS_KEY | (customer ? PERSONAL_KEY : 0) | (aboutCustomer ? FREE_TEXT_KEY : 0);
  const out: Record<string, unknown> = {};
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const v = record[key];
    if (v !== null && (rulesOf(key) & redacting) !== 0) out[key] = REDACTED;
    else out[key] = redact(v, customer && key !== "object");
  }
  return out;
}
