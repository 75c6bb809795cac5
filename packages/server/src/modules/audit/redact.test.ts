import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REDACTED, redact } from "./redact.js";

/*
 * redact looks at a string's characters before running its patterns and remembers what each key
 * is; what it leaves must be what the plain rules leave (written out here, as they were first).
 */
const EMAIL = /[^\s@"]+@[^\s@"]+\.[A-Za-z]{2,}/g;
const SECRET = /\b(tsk|tpk|whsec|sk_live|sk_test)_[A-Za-z0-9_+/=-]{6,}/g;
const ALWAYS =
  /(^|_)(e?mail|email_address|phone|phone_number|mobile|address|line1|line2|street|city|postal_code|zip|token|tokens|secret|secrets|password|passphrase|credential|credentials|private_key|authorization|api_key|iban|card|card_number|cvc|cvv)$/i;
const PERSONAL = /^(name|first_name|last_name|external_id|country|metadata|birthdate|ip|ip_address)$/i;
const FREE_TEXT = /^(reason|metadata|collected_by|note|notes|comment)$/i;
const ABOUT = new Set(["grant", "subscription", "payment", "consent"]);

function plain(value: unknown, inCustomer = false): unknown {
  if (typeof value === "string") return value.replace(EMAIL, REDACTED).replace(SECRET, REDACTED);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => plain(v, inCustomer));
  const record = value as Record<string, unknown>;
  const customer = inCustomer || record.object === "customer";
  const about = typeof record.object === "string" && ABOUT.has(record.object);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(record)) {
    if (v !== null && (ALWAYS.test(key) || (customer && PERSONAL.test(key)) || (about && FREE_TEXT.test(key))))
      out[key] = REDACTED;
    else out[key] = plain(v, customer && key !== "object");
  }
  return out;
}

const word = fc.constantFrom("ana", "x.y", "example.com", "sk_live", "tsk", "whsec", "_", "@", ".", " ", "abc123");
const text = fc.oneof(
  fc.string(),
  fc.array(word, { maxLength: 8 }).map((w) => w.join("")),
);
const key = fc.oneof(
  fc.constantFrom("email", "billing_email", "name", "reason", "metadata", "object", "id", "card", "note", "city"),
  fc.string({ maxLength: 12 }),
);
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(text, fc.integer(), fc.constant(null), fc.boolean()),
  node: fc.oneof(
    { depthSize: "small" },
    tie("leaf"),
    fc.array(tie("node"), { maxLength: 3 }),
    fc
      .tuple(
        fc.dictionary(key, tie("node"), { maxKeys: 4 }),
        fc.constantFrom(undefined, "customer", "subscription", "payment", "bundle"),
      )
      .map(([d, object]) => (object ? { ...d, object } : d)),
  ),
})).node;

describe("audit redaction", () => {
  it("leaves exactly what the plain rules leave", () => {
    fc.assert(
      fc.property(value, fc.boolean(), (v, inCustomer) => {
        expect(redact(v, inCustomer)).toEqual(plain(v, inCustomer));
      }),
      { numRuns: 500 },
    );
  });

  it("redacts an address and a secret inside free text, and keeps ids", () => {
    expect(redact("mail ana@example.com or use sk_live_abcdef123 for sub_01")).toBe(
      `mail ${REDACTED} or use ${REDACTED} for sub_01`,
    );
  });
});
