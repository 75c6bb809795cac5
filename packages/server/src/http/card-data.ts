import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "../errors.js";
import type { AppEnv } from "./env.js";

/*
 * Raw card numbers never enter Tessera (DESIGN §7): only provider tokens do. This middleware
 * refuses any request whose JSON body (or query string) holds something that looks like a card
 * number — 13 to 19 digits, optionally grouped by spaces or dashes, passing the Luhn check — in
 * any field, before a handler, the idempotency store or a log line can see it. The error names
 * the field, never the value.
 */

// Digit groups separated by what a person types between them: spaces, tabs, dashes, dots, slashes,
// underscores, in runs ("4242 4242 4242 4242", "4242-424242-42424", "4242.4242.4242.4242").
// A run stands alone: digits glued to letters (`a456`, a hex id) are part of a token, not a number
// a person typed, so a run neither starts nor ends inside one.
const RUN = /(?<![\p{L}\p{N}])\d+(?:[\s._/-]+\d+)*(?![\p{L}\p{N}])/gu;
// UUIDs (the SDK's automatic Idempotency-Keys, say) can hold all-digit groups that add up to a
// Luhn-valid 16 digits: they are taken out before scanning.
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const SEPARATORS = /[\s._/-]+/;
// Invisible characters pasted between digits (zero-width space/joiners, word joiner, BOM, soft hyphen).
const INVISIBLE = /[\u00ad\u200b-\u200d\u2060\ufeff]/g;
const NON_ASCII = /[^\u0020-\u007e\t\n\r]/;

/**
 * The text as a card-number scanner must see it: full-width and other compatibility digits become
 * ASCII (NFKC), a no-break space becomes a space, and invisible characters are dropped. ASCII text,
 * nearly all of it, is returned as it is.
 */
function normalized(text: string): string {
  return NON_ASCII.test(text) ? text.normalize("NFKC").replace(INVISIBLE, "") : text;
}

/** The Luhn checksum, as card numbers carry it. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Whether a text holds a PAN-like number: 13–19 digits passing Luhn, written whole or in groups of
 * three or more digits (with any separators, full-width digits or invisible characters between) (card layouts are 4-4-4-4, 4-6-5, …). Shorter groups break a run, so dates
 * such as "2026-01-01 2026-02-01" or phone numbers are not mistaken for one.
 */
export function containsCardNumber(text: string): boolean {
  for (const match of normalized(text).replace(UUID, " ").matchAll(RUN)) {
    let digits = "";
    for (const group of [...match[0].split(SEPARATORS), ""]) {
      if (group.length >= 3) {
        digits += group;
        continue;
      }
      if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) return true;
      digits = "";
    }
  }
  return false;
}

/** The dotted path of the first field (key or value) holding a PAN-like number, if any. */
export function findCardNumber(value: unknown, path = ""): string | undefined {
  if (typeof value === "string") return containsCardNumber(value) ? path || "(root)" : undefined;
  if (typeof value === "number") return containsCardNumber(String(value)) ? path || "(root)" : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findCardNumber(value[i], path ? `${path}.${i}` : String(i));
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      // A key that is itself a card number is named by its place, never echoed.
      if (containsCardNumber(key)) return path ? `${path}.(key)` : "(key)";
      const at = path ? `${path}.${key}` : key;
      const found = findCardNumber(v, at);
      if (found) return found;
    }
  }
  return undefined;
}

function refuse(path: string): ApiError {
  return new ApiError("PAYMENT_DATA_FORBIDDEN", "Send a payment provider's token (pm_…), never a card number", {
    errors: [{ path, message: "looks like a card number" }],
  });
}

/** Header values as sent; on Node the raw pairs, without building a WHATWG Headers object. */
function headerValues(c: Context<AppEnv>): Iterable<[string, string]> {
  const raw = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.rawHeaders;
  const pairs: [string, string][] = [];
  if (!raw) {
    c.req.raw.headers.forEach((value, name) => {
      pairs.push([name, value]);
    });
    return pairs;
  }
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}

function decoded(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
const PROVIDER_WEBHOOKS = "/v1/providers/";
// Subscription channels' notifications (App Store, Play, …) are signed by the vendor the same way,
// and carry long vendor ids (transaction ids, Pub/Sub message ids) that can pass Luhn by chance.
const CHANNEL_NOTIFICATIONS = "/v1/channels/";

/**
 * Fields declared to hold something other than a card number that can pass Luhn by chance, on the
 * one route that takes each, in the one shape it has. Such a field alone is passed; the rest of
 * the body is still scanned, and any other field or shape is refused as before.
 */
const DECLARED_FIELDS: ReadonlyArray<{ route: RegExp; field: string; shape: RegExp }> = [
  // A carrier-billing authorisation carries the consumer's phone number (E.164, up to 15 digits),
  // which passes Luhn one time in ten: it is passed to the aggregator, never kept.
  {
    route: /^\/v1\/storefronts\/[^/]+\/channels\/telecom\/authorisations$/,
    field: "msisdn",
    shape: /^\+?[\d\s().-]{7,24}$/,
  },
  // An App Store originalTransactionId (16 digits today: 1000000… in Production, 2000000… in
  // Sandbox) linked to a customer. Bare digits only, and never with a card network's prefix
  // (3–6, or Mastercard's 2221–2720), so a card number pasted here is still refused.
  {
    route: /^\/v1\/storefronts\/[^/]+\/channels\/app_store\/links$/,
    field: "vendor_subscription_id",
    shape: /^(?![3-6]|2(?:2[2-9]|[3-6]\d|7[0-2]))\d{1,19}$/,
  },
];

/** The body without the route's declared field, when it holds that field in its declared shape. */
function withoutDeclared(path: string, parsed: unknown): unknown {
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return parsed;
  for (const { route, field, shape } of DECLARED_FIELDS) {
    const value = (parsed as Record<string, unknown>)[field];
    if (!route.test(path) || typeof value !== "string" || !shape.test(value)) continue;
    const { [field]: _declared, ...rest } = parsed as Record<string, unknown>;
    return rest;
  }
  return parsed;
}

export function refuseCardData(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Path segments and headers (an Idempotency-Key, say) are logged and stored too. The access
    // log line of a refused path must not carry the number either.
    if (containsCardNumber(decoded(c.req.path))) {
      c.set("redactPath", true);
      throw refuse("path");
    }
    for (const [name, value] of headerValues(c)) {
      if (containsCardNumber(name)) throw refuse("header.(name)");
      if (containsCardNumber(value)) throw refuse(`header.${name.toLowerCase()}`);
    }
    // Most requests have no query string: skip parsing one (this runs on every request).
    const url = c.req.url;
    const q = url.indexOf("?");
    if (q !== -1) {
      for (const [key, value] of new URLSearchParams(url.slice(q + 1))) {
        if (containsCardNumber(key) || containsCardNumber(value))
          throw refuse(containsCardNumber(key) ? "query.(key)" : `query.${key}`);
      }
    }
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    // Payment providers' webhooks are refused unless their vendor's signature verifies, and vendors
    // never send card numbers, but they do send long references (Adyen's 16-digit pspReference)
    // that pass Luhn by chance: scanning them would drop one genuine event in ten.
    if (c.req.path.startsWith(PROVIDER_WEBHOOKS) || c.req.path.startsWith(CHANNEL_NOTIFICATIONS)) return next();
    // Hono caches the body, so validators and the idempotency middleware still read it afterwards.
    const text = await c.req.text();
    if (!text) return next();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: the route refuses it anyway, but a number in it must still not reach a log.
      if (containsCardNumber(text)) throw refuse("(body)");
      return next();
    }
    const scanned = withoutDeclared(c.req.path, parsed);
    if (scanned !== parsed) {
      const path = findCardNumber(scanned) ?? (containsCardNumber(JSON.stringify(scanned)) ? "(body)" : undefined);
      if (path) throw refuse(path);
      return next();
    }
    // Numbers beyond 2^53 lose digits when parsed, so the raw text is scanned as well.
    const path = findCardNumber(parsed) ?? (containsCardNumber(text) ? "(body)" : undefined);
    if (path) throw refuse(path);
    return next();
  };
}
