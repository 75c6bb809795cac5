import { TokenCache } from "./cache.js";
import { asClaims, claimsProblem } from "./claims.js";
import { CLAIMS_VERSION, TOKEN_MAX_BYTES, TOKEN_TYP } from "./constants.js";
import { Entitlements } from "./entitlements.js";
import { isTesseraTokenError, TesseraTokenError, type TokenErrorCode } from "./errors.js";
import { KeyStore } from "./jwks.js";
import { decodeJsonObject, parseHeader, splitCompact, type TokenHeader } from "./jws.js";
import { type ResolvedOptions, resolveOptions, type VerifierOptions } from "./options.js";
import type { Platform, TokenAlgorithm } from "./platform/types.js";

/**
 * The answer of {@link Verifier.check}: a refusal is data, with a stable code.
 *
 * @example
 * const result: CheckResult = await verifier.check(token);
 * if (!result.valid) return { status: 401, code: result.code };
 */
export type CheckResult =
  | { valid: true; entitlements: Entitlements }
  | { valid: false; code: TokenErrorCode; message: string };

/**
 * Verifies entitlement tokens offline. Make one per process and reuse it: it holds the keys and
 * the cache of verified tokens.
 *
 * @example
 * const verifier = createVerifier({
 *   jwks: "./jwks.json",
 *   issuer: "https://tessera.example.com",
 *   tenant: "acme",
 *   storefront: "sf_123",
 * });
 * const ent = await verifier.verify(token); // throws TesseraTokenError
 * const result = await verifier.check(token); // { valid: false, code: "TOKEN_EXPIRED", … }
 */
export interface Verifier {
  /** Verifies a token and returns what it grants; throws a {@link TesseraTokenError} when invalid. */
  verify(token: string): Promise<Entitlements>;
  /** Like `verify`, but answers `{ valid: false, code, message }` instead of throwing. */
  check(token: string): Promise<CheckResult>;
  /** Forgets every verified token (keys stay loaded). */
  clearCache(): void;
  /** Which crypto this verifier uses: node:crypto, or jose over WebCrypto. */
  readonly runtime: "node" | "web";
}

interface Verified {
  readonly token: string;
  readonly deadline: number;
  used: boolean;
  readonly entitlements: Entitlements;
  // Settled promises handed out on hits, made on the first hit of each kind (most tokens are
  // only ever verified, or only ever checked).
  verified?: Promise<Entitlements>;
  checked?: Promise<CheckResult>;
}

const HEADER_CACHE_SIZE = 64;

/** Builds a verifier over a platform's crypto; `createVerifier` in each entry point calls this. */
export function createVerifierWith(platform: Platform, options: VerifierOptions): Verifier {
  const opts = resolveOptions(options);
  const keys = new KeyStore(opts.source, platform, {
    cooldownMs: opts.cooldownMs,
    maxAgeMs: opts.maxAgeMs,
    fetchTimeoutMs: opts.timeoutMs,
    now: opts.now,
    fetch: opts.fetch,
  });
  const cache = new TokenCache<Verified>(opts.cacheSize);
  // Tokens of one issuer share a handful of headers (one per kid), so parse each once.
  const headers = new Map<string, TokenHeader>();
  const now = opts.now;

  async function fresh(token: string): Promise<Entitlements> {
    const parts = splitCompact(token, TOKEN_MAX_BYTES);
    let header = headers.get(parts.header);
    if (header === undefined) {
      header = checkHeader(parseHeader(platform, parts.header), opts);
      if (headers.size >= HEADER_CACHE_SIZE) headers.clear();
      headers.set(parts.header, header);
    }
    const kid = header.kid as string;
    const key = keys.get(kid) ?? (await keys.resolve(kid));
    if (key.alg !== header.alg) {
      throw new TesseraTokenError("TOKEN_ALG_NOT_ALLOWED", `Key "${kid}" is an ${key.alg} key, not ${header.alg}`);
    }
    let ok: boolean;
    try {
      ok = await platform.verify(key.alg as TokenAlgorithm, key.key, parts.signingInput, parts.signature);
    } catch (error) {
      throw new TesseraTokenError("TOKEN_SIGNATURE_INVALID", undefined, { cause: error });
    }
    if (!ok) throw new TesseraTokenError("TOKEN_SIGNATURE_INVALID");
    const payload = decodeJsonObject(platform, parts.payload, "payload");
    const entitlements = new Entitlements(checkClaims(payload, opts, now() / 1000));
    cache.set({ token, deadline: (entitlements.claims.exp + opts.toleranceSeconds) * 1000, used: false, entitlements });
    return entitlements;
  }

  return {
    runtime: platform.name,
    // Not async: a cache hit hands back the entry's settled promise and allocates nothing.
    verify(token) {
      const hit = cache.get(token, now());
      if (hit !== undefined) {
        hit.verified ??= Promise.resolve(hit.entitlements);
        return hit.verified;
      }
      return fresh(token);
    },
    check(token) {
      const hit = cache.get(token, now());
      if (hit !== undefined) {
        hit.checked ??= Promise.resolve({ valid: true, entitlements: hit.entitlements });
        return hit.checked;
      }
      return fresh(token).then(
        (entitlements): CheckResult => ({ valid: true, entitlements }),
        (error: unknown) => {
          // A broken key source is infrastructure, not a verdict on the token: it stays an exception.
          if (!isTesseraTokenError(error) || error.code === "JWKS_UNAVAILABLE") throw error;
          return { valid: false, code: error.code, message: error.message };
        },
      );
    },
    clearCache() {
      cache.clear();
    },
  };
}

function checkHeader(header: TokenHeader, opts: ResolvedOptions): TokenHeader {
  // The allow-list comes first: `none` and HS* never reach key lookup.
  if (!opts.algorithms.has(header.alg)) {
    throw new TesseraTokenError("TOKEN_ALG_NOT_ALLOWED", `Algorithm ${header.alg} is not allowed`);
  }
  if (header.typ !== TOKEN_TYP) {
    throw new TesseraTokenError("TOKEN_TYPE_INVALID", `typ is ${JSON.stringify(header.typ)}, expected "${TOKEN_TYP}"`);
  }
  if (!header.kid) throw new TesseraTokenError("TOKEN_MALFORMED", "The token's header has no kid");
  return header;
}

function checkClaims(payload: Record<string, unknown>, opts: ResolvedOptions, nowSeconds: number) {
  if (payload.ver !== CLAIMS_VERSION) {
    throw new TesseraTokenError(
      "TOKEN_VERSION_UNSUPPORTED",
      `Claims version ${JSON.stringify(payload.ver)} is not supported (this SDK reads ${CLAIMS_VERSION})`,
    );
  }
  const problem = claimsProblem(payload);
  if (problem) throw new TesseraTokenError("TOKEN_CLAIMS_INVALID", `Invalid claims: ${problem}`);
  const claims = asClaims(payload);
  if (claims.iss !== opts.issuer) {
    throw new TesseraTokenError("TOKEN_ISSUER_MISMATCH", `Issued by ${claims.iss}, expected ${opts.issuer}`);
  }
  if (claims.tn !== opts.tenant && claims.tn_slug !== opts.tenant) {
    throw new TesseraTokenError(
      "TOKEN_TENANT_MISMATCH",
      `Issued for tenant ${claims.tn_slug}, expected ${opts.tenant}`,
    );
  }
  if (opts.audience !== undefined && claims.aud !== opts.audience) {
    throw new TesseraTokenError("TOKEN_AUDIENCE_MISMATCH", `Issued for ${claims.aud}, expected ${opts.audience}`);
  }
  if (opts.environment !== undefined && claims.env !== opts.environment) {
    throw new TesseraTokenError("TOKEN_ENVIRONMENT_MISMATCH", `Issued for ${claims.env}, expected ${opts.environment}`);
  }
  const tolerance = opts.toleranceSeconds;
  if (nowSeconds >= claims.exp + tolerance) {
    throw new TesseraTokenError("TOKEN_EXPIRED", `Expired at ${new Date(claims.exp * 1000).toISOString()}`);
  }
  if (nowSeconds + tolerance < claims.nbf) {
    throw new TesseraTokenError("TOKEN_NOT_YET_VALID", `Valid from ${new Date(claims.nbf * 1000).toISOString()}`);
  }
  // A token from the future was signed by a clock (or a key holder) we should not trust.
  if (nowSeconds + tolerance < claims.iat) {
    throw new TesseraTokenError("TOKEN_ISSUED_IN_FUTURE", `Issued at ${new Date(claims.iat * 1000).toISOString()}`);
  }
  return claims;
}
