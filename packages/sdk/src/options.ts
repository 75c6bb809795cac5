import type { JwksSource } from "./jwks.js";
import type { JsonWebKeySet, TokenAlgorithm } from "./platform/types.js";

/**
 * How to verify entitlement tokens.
 *
 * @example
 * const options: VerifierOptions = {
 *   jwks: "https://tessera.example.com/v1/jwks/acme/production",
 *   issuer: "https://tessera.example.com",
 *   tenant: "acme",
 *   environment: "production",
 *   storefront: "sf_01JD…",
 * };
 */
export interface VerifierOptions {
  /** A key set object, a local file path (read once, no network) or an https URL (cached). */
  jwks?: JsonWebKeySet | string | URL;
  /** The key set's URL; an alternative to a URL in `jwks`. */
  jwksUrl?: string | URL;
  /** The tenant id (`ten_…`) or slug every token must be for. */
  tenant: string;
  /**
   * The storefront id every token must be for (checked against `aud`). Required (or `audience`):
   * a token for another storefront of the tenant is refused. `"any"` accepts every storefront of
   * the tenant, for a service shared by several; it has to be said explicitly.
   */
  storefront?: string;
  /** Same as `storefront`; for code that thinks in JWT terms. */
  audience?: string;
  /** Required: the issuer (`iss`, the server's public base URL) every token must name. */
  issuer: string;
  /** The environment (`env`, e.g. `production`) every token must be for. Not checked when absent. */
  environment?: string;
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`. Default 5. */
  clockTolerance?: number;
  /** Narrows the accepted algorithms. Default and maximum `["EdDSA", "ES256"]`. */
  algorithms?: TokenAlgorithm[];
  /** How many verified tokens to keep. Default 10,000; 0 turns the cache off. */
  cacheSize?: number;
  /** Least milliseconds between two fetches caused by an unknown `kid`. Default 30,000. */
  jwksCooldown?: number;
  /** Milliseconds after which a fetched key set is refreshed. Default 600,000. */
  jwksMaxAge?: number;
  /** Milliseconds before a key set fetch is abandoned. Default 5,000. */
  jwksTimeout?: number;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** The fetch used for a remote key set. Default the global `fetch`. */
  fetch?: typeof fetch;
}

export interface ResolvedOptions {
  source: JwksSource;
  tenant: string;
  /** undefined only for an explicit `storefront: "any"`. */
  audience: string | undefined;
  issuer: string;
  environment: string | undefined;
  toleranceSeconds: number;
  algorithms: ReadonlySet<string>;
  cacheSize: number;
  cooldownMs: number;
  maxAgeMs: number;
  timeoutMs: number;
  now: () => number;
  fetch: typeof fetch;
}

const SUPPORTED: readonly TokenAlgorithm[] = ["EdDSA", "ES256"];

/**
 * Least time between two key set fetches caused by an unknown kid. The server publishes a
 * rotated-in key for longer than this plus its JWKS cache age before signing with it.
 */
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;

/** Validates options once, so the hot path reads plain fields. Mistakes throw a TypeError. */
export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  if (!options || typeof options.tenant !== "string" || options.tenant === "") {
    throw new TypeError("createVerifier: `tenant` (the tenant id or slug) is required");
  }
  if (options.storefront && options.audience && options.storefront !== options.audience) {
    throw new TypeError("createVerifier: `storefront` and `audience` name the same claim and differ");
  }
  const audience = options.storefront || options.audience;
  if (typeof audience !== "string" || audience === "") {
    throw new TypeError(
      'createVerifier: `storefront` (the storefront id, checked against aud) is required; pass storefront: "any" to accept every storefront of the tenant',
    );
  }
  if (typeof options.issuer !== "string" || options.issuer === "") {
    throw new TypeError("createVerifier: `issuer` (the server's public base URL, checked against iss) is required");
  }
  if (options.environment !== undefined && (typeof options.environment !== "string" || options.environment === "")) {
    throw new TypeError("createVerifier: `environment` must be a non-empty string when given");
  }
  const algorithms = options.algorithms ?? SUPPORTED;
  for (const alg of algorithms) {
    if (!SUPPORTED.includes(alg)) {
      throw new TypeError(`createVerifier: algorithm ${String(alg)} is not allowed; use EdDSA or ES256`);
    }
  }
  const tolerance = options.clockTolerance ?? 5;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new TypeError("createVerifier: bad clockTolerance");
  return {
    source: sourceOf(options),
    tenant: options.tenant,
    audience: audience === "any" ? undefined : audience,
    issuer: options.issuer,
    environment: options.environment,
    toleranceSeconds: tolerance,
    algorithms: new Set(algorithms),
    cacheSize: options.cacheSize ?? 10_000,
    cooldownMs: options.jwksCooldown ?? DEFAULT_JWKS_COOLDOWN_MS,
    maxAgeMs: options.jwksMaxAge ?? 600_000,
    timeoutMs: options.jwksTimeout ?? 5_000,
    now: options.now ?? Date.now,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
  };
}

function sourceOf(options: VerifierOptions): JwksSource {
  const { jwks, jwksUrl } = options;
  if (jwks !== undefined && jwksUrl !== undefined) {
    throw new TypeError("createVerifier: pass either `jwks` or `jwksUrl`, not both");
  }
  const given = jwks ?? jwksUrl;
  if (given === undefined) throw new TypeError("createVerifier: `jwks` or `jwksUrl` is required");
  if (given instanceof URL) return urlSource(given);
  if (typeof given === "string") {
    if (/^https?:\/\//i.test(given)) return urlSource(new URL(given));
    if (/^file:\/\//i.test(given)) return { kind: "file", path: decodeURIComponent(new URL(given).pathname) };
    if (jwksUrl !== undefined) throw new TypeError("createVerifier: `jwksUrl` must be an http(s) URL");
    return { kind: "file", path: given };
  }
  if (typeof given === "object" && given !== null && Array.isArray(given.keys)) return { kind: "object", jwks: given };
  throw new TypeError("createVerifier: `jwks` must be a key set object, a file path or a URL");
}

function urlSource(url: URL): JwksSource {
  if (url.protocol === "file:") return { kind: "file", path: decodeURIComponent(url.pathname) };
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError(`createVerifier: unsupported JWKS URL scheme ${url.protocol}`);
  }
  return { kind: "url", url: url.href };
}
