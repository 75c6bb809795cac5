import { TesseraTokenError } from "./errors.js";
import type { Platform } from "./platform/types.js";
import { duplicateKey } from "./strict-json.js";

/** A compact JWS cut into its three base64url parts; nothing is decoded or trusted yet. */
export interface CompactParts {
  header: string;
  payload: string;
  signature: string;
  /** `header.payload`, the bytes the signature covers. */
  signingInput: string;
}

/** The protected header fields the verifier reads. */
export interface TokenHeader {
  alg: string;
  typ?: string;
  kid?: string;
}

// Every part must be base64url in its one canonical spelling: decoders ignore stray characters
// and the unused low bits of the last character, so without this check one signature could be
// written several ways and a token cached, logged or deduplicated by its string would not be
// one token. The signature may be empty so that an unsigned (`alg: none`) token is refused for
// its algorithm rather than its shape.
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** True when `s` is base64url without padding, with zero padding bits: the only spelling of its bytes. */
export function isCanonicalBase64url(s: string): boolean {
  const rest = s.length % 4;
  if (rest === 1 || !BASE64URL.test(s)) return false;
  if (rest === 0) return true;
  // 2 characters left carry 1 byte (4 unused bits), 3 carry 2 bytes (2 unused bits).
  const unused = rest === 2 ? 0b1111 : 0b11;
  return (ALPHABET.indexOf(s.charAt(s.length - 1)) & unused) === 0;
}

/** Splits a compact JWS, or throws TOKEN_MALFORMED / TOKEN_TOO_LARGE. */
export function splitCompact(token: unknown, maxBytes: number): CompactParts {
  if (typeof token !== "string") throw new TesseraTokenError("TOKEN_MALFORMED", "The token must be a string");
  // Refused before any parsing, so a huge header costs one comparison.
  if (token.length > maxBytes) {
    throw new TesseraTokenError("TOKEN_TOO_LARGE", `The token is ${token.length} bytes; the limit is ${maxBytes}`);
  }
  const first = token.indexOf(".");
  const second = first < 0 ? -1 : token.indexOf(".", first + 1);
  if (second < 0 || token.indexOf(".", second + 1) >= 0 || second === first + 1) {
    throw new TesseraTokenError("TOKEN_MALFORMED", "The token is not three base64url parts separated by dots");
  }
  const header = token.slice(0, first);
  const signature = token.slice(second + 1);
  const payload = token.slice(first + 1, second);
  if (
    header === "" ||
    !isCanonicalBase64url(header) ||
    !isCanonicalBase64url(payload) ||
    !isCanonicalBase64url(signature)
  ) {
    throw new TesseraTokenError("TOKEN_MALFORMED", "The token's parts are not canonical base64url");
  }
  return { header, payload, signature, signingInput: token.slice(0, second) };
}

/**
 * Decodes a base64url JSON object, or throws TOKEN_MALFORMED naming `what`. `strict` also refuses
 * a key repeated in one object (verification; inspection shows what it can).
 */
export function decodeJsonObject(
  platform: Platform,
  segment: string,
  what: string,
  strict = true,
): Record<string, unknown> {
  let value: unknown;
  let text: string;
  try {
    text = platform.decode(segment);
    value = JSON.parse(text);
  } catch (error) {
    throw new TesseraTokenError("TOKEN_MALFORMED", `The token's ${what} is not base64url JSON`, { cause: error });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TesseraTokenError("TOKEN_MALFORMED", `The token's ${what} is not a JSON object`);
  }
  const repeated = strict ? duplicateKey(text) : undefined;
  if (repeated !== undefined) {
    throw new TesseraTokenError("TOKEN_MALFORMED", `The token's ${what} repeats the key ${JSON.stringify(repeated)}`);
  }
  return value as Record<string, unknown>;
}

/** Decodes and checks the shape of a protected header. */
export function parseHeader(platform: Platform, segment: string): TokenHeader {
  const h = decodeJsonObject(platform, segment, "header");
  if (typeof h.alg !== "string") throw new TesseraTokenError("TOKEN_MALFORMED", "The token's header has no alg");
  // RFC 7515 §4.1.11: an extension we do not understand listed in crit must make us refuse.
  if (h.crit !== undefined || h.b64 !== undefined) {
    throw new TesseraTokenError("TOKEN_MALFORMED", "The token's header uses unsupported extensions (crit/b64)");
  }
  if (h.typ !== undefined && typeof h.typ !== "string") {
    throw new TesseraTokenError("TOKEN_MALFORMED", "The token's typ header is not a string");
  }
  if (h.kid !== undefined && typeof h.kid !== "string") {
    throw new TesseraTokenError("TOKEN_MALFORMED", "The token's kid header is not a string");
  }
  return { alg: h.alg, typ: h.typ as string | undefined, kid: h.kid as string | undefined };
}

/** Decodes a compact JWS's header and payload without checking anything: for inspection only. */
export function decodeUnverified(
  platform: Platform,
  token: string,
  maxBytes: number,
): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const parts = splitCompact(token.trim(), maxBytes);
  return {
    header: decodeJsonObject(platform, parts.header, "header", false),
    payload: decodeJsonObject(platform, parts.payload, "payload", false),
  };
}
