import { problemType } from "./constants.js";
import type { Entitlements } from "./entitlements.js";
import { isTesseraTokenError, type TokenErrorCode } from "./errors.js";
import type { Verifier } from "./verifier.js";

/**
 * The framework-neutral core of the adapters: find the token, verify it, decide, describe the
 * refusal. `express.ts` and `next.ts` only translate requests and responses to and from this.
 */

/**
 * Where the adapters look for a token.
 *
 * @example
 * const source: TokenSource = { verifier, cookie: "tessera_ent", header: "x-entitlement-token" };
 */
export interface TokenSource {
  /** The verifier to check tokens with. */
  verifier: Verifier;
  /** A cookie holding the token, read when there is no Authorization header. */
  cookie?: string;
  /** A header holding the bare token instead of `Authorization: Bearer …`. */
  header?: string;
}

/**
 * What a route needs beyond the entitlement being granted.
 *
 * @example
 * const atLeastPriority: Requirement = { level: "priority" };
 */
export interface Requirement {
  /** Tier: at least this level (name or rank). */
  level?: string | number;
  /** Content: this content id. */
  content?: string;
  /** Quota: at least this many units remaining. */
  quota?: number;
}

/**
 * An RFC 9457 problem document, as the adapters send it.
 *
 * @example
 * const problem: ProblemBody = await res.json(); // { code: "ENTITLEMENT_REQUIRED", entitlement: "export-pdf", … }
 */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  [extension: string]: unknown;
}

/**
 * A refusal ready to send: status, problem body and extra headers.
 *
 * @example
 * const denial: Denial = { status: 403, body: problem, headers: {} };
 */
export interface Denial {
  status: 401 | 403 | 503;
  body: ProblemBody;
  headers: Record<string, string>;
}

/** Reads one request header (case-insensitive), whatever the framework. */
export type HeaderReader = (name: string) => string | null | undefined;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The token a request carries: the configured header, else `Authorization: Bearer`, else the cookie. */
export function findToken(read: HeaderReader, source: Omit<TokenSource, "verifier">): string | undefined {
  if (source.header) {
    const raw = read(source.header)?.trim();
    if (raw) return stripBearer(raw);
  }
  const authorization = read("authorization");
  if (authorization && /^bearer\s/i.test(authorization)) return stripBearer(authorization) || undefined;
  if (source.cookie) return readCookie(read("cookie"), source.cookie);
  return undefined;
}

function stripBearer(value: string): string {
  return /^bearer\s/i.test(value) ? value.slice(7).trim() : value;
}

/** One cookie's value from a Cookie header (RFC 6265 pairs; values may be quoted or %-encoded). */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value) || undefined;
    } catch {
      return value || undefined;
    }
  }
  return undefined;
}

/**
 * Verifies the request's token. No token → `{}`; a valid one → `{ entitlements }`; an invalid
 * one → `{ denial }` (401 with the token's error code, or 503 when the key set is unreachable).
 */
export async function authenticate(
  read: HeaderReader,
  source: TokenSource,
): Promise<{ entitlements?: Entitlements; denial?: Denial }> {
  const token = findToken(read, source);
  if (token === undefined) return {};
  try {
    const result = await source.verifier.check(token);
    if (result.valid) return { entitlements: result.entitlements };
    return { denial: unauthorized(result.code, result.message) };
  } catch (error) {
    if (isTesseraTokenError(error)) {
      return { denial: deny(503, "JWKS_UNAVAILABLE", "Entitlements cannot be checked right now", error.message) };
    }
    throw error;
  }
}

/** Decides whether `entitlements` satisfy `key` + `requirement`; undefined means allowed. */
export function decide(
  entitlements: Entitlements | undefined,
  key: string,
  requirement: Requirement = {},
): Denial | undefined {
  if (!entitlements) return unauthorized("TOKEN_MISSING", "An entitlement token is required");
  const lacking = (reason: string, detail: string) =>
    deny(403, "ENTITLEMENT_REQUIRED", "The entitlement is required", detail, {
      entitlement: key,
      reason,
      ...requirement,
    });
  if (!entitlements.has(key)) return lacking("not_granted", `The customer is not entitled to ${key}`);
  if (requirement.level !== undefined && !entitlements.atLeast(key, requirement.level)) {
    return lacking("level_too_low", `${key} must be at least ${requirement.level}`);
  }
  if (requirement.content !== undefined && !entitlements.hasContent(key, requirement.content)) {
    return lacking("content_not_granted", `${key} does not include ${requirement.content}`);
  }
  if (requirement.quota !== undefined && (entitlements.quota(key)?.remaining ?? 0) < requirement.quota) {
    return lacking("quota_exhausted", `${key} has fewer than ${requirement.quota} units left`);
  }
  return undefined;
}

/** A refusal as a Fetch `Response`: for Next.js and any Request → Response framework. */
export function denialResponse(denial: Denial): Response {
  return new Response(JSON.stringify(denial.body), {
    status: denial.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...denial.headers },
  });
}

function unauthorized(code: TokenErrorCode, detail: string): Denial {
  const denial = deny(
    401,
    code,
    code === "TOKEN_MISSING" ? "Authentication required" : "Invalid entitlement token",
    detail,
  );
  // RFC 6750 §3: tell the client which scheme, and whether the token it sent was the problem.
  denial.headers["www-authenticate"] =
    code === "TOKEN_MISSING" ? 'Bearer realm="tessera"' : `Bearer realm="tessera", error="invalid_token"`;
  return denial;
}

function deny(
  status: Denial["status"],
  code: string,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): Denial {
  return {
    status,
    body: { ...extensions, type: problemType(code), title, status, detail, code },
    headers: { "cache-control": "no-store" },
  };
}
