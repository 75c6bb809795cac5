import { TesseraTokenError } from "./errors.js";
import type { JsonWebKeySet, Platform, PublicJwk, TokenAlgorithm } from "./platform/types.js";

/** Where keys come from: an object in memory, a local file (read once) or a URL (cached). */
export type JwksSource =
  | { kind: "object"; jwks: JsonWebKeySet }
  | { kind: "file"; path: string }
  | { kind: "url"; url: string };

export interface KeyEntry {
  kid: string;
  alg: TokenAlgorithm;
  key: unknown;
}

export interface KeyStoreOptions {
  /** Least time between two fetches caused by an unknown `kid`. */
  cooldownMs: number;
  /** A fetched key set is refreshed after this long, so a withdrawn key stops verifying. */
  maxAgeMs: number;
  fetchTimeoutMs: number;
  now(): number;
  fetch: typeof fetch;
}

// After a failed load, wait this long before trying again, so an outage is not hammered.
const FAILURE_BACKOFF_MS = 1_000;

/**
 * The verifier's keys by `kid`. `get` is the synchronous fast path; `resolve` loads, refreshes
 * and refetches on an unknown `kid` (at most once per cooldown), sharing one fetch between
 * concurrent callers.
 */
export class KeyStore {
  #keys = new Map<string, KeyEntry>();
  #loadedAt = Number.NEGATIVE_INFINITY;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #loaded = false;
  #pending: Promise<void> | undefined;

  constructor(
    readonly source: JwksSource,
    private readonly platform: Platform,
    private readonly options: KeyStoreOptions,
  ) {}

  /** The key for `kid` when loaded and fresh; undefined sends the caller to `resolve`. */
  get(kid: string): KeyEntry | undefined {
    if (this.source.kind === "url" && this.options.now() - this.#loadedAt > this.options.maxAgeMs) return undefined;
    return this.#keys.get(kid);
  }

  async resolve(kid: string): Promise<KeyEntry> {
    const now = this.options.now();
    // A load already under way (maybe started for this very kid by a concurrent call) is awaited.
    if (this.#pending) await this.#pending.catch(() => {});
    if (!this.#loaded) {
      await this.#load(now);
    } else if (this.source.kind === "url") {
      const stale = now - this.#loadedAt > this.options.maxAgeMs;
      const unknown = !this.#keys.has(kid) && now - this.#attemptedAt >= this.options.cooldownMs;
      // A failed refresh keeps the keys we have: availability over freshness.
      if (stale || unknown) await this.#load(now).catch(() => {});
    }
    const entry = this.#keys.get(kid);
    if (!entry) throw new TesseraTokenError("TOKEN_KID_UNKNOWN", `No key with kid "${kid}" in the key set`);
    return entry;
  }

  #load(now: number): Promise<void> {
    if (this.#pending) return this.#pending;
    if (!this.#loaded && now - this.#attemptedAt < FAILURE_BACKOFF_MS) {
      return Promise.reject(new TesseraTokenError("JWKS_UNAVAILABLE", "The key set failed to load a moment ago"));
    }
    this.#attemptedAt = now;
    this.#pending = this.#read()
      .then(async (jwks) => {
        this.#keys = await importKeySet(jwks, this.platform);
        this.#loaded = true;
        this.#loadedAt = this.options.now();
      })
      .finally(() => {
        this.#pending = undefined;
      });
    return this.#pending;
  }

  async #read(): Promise<unknown> {
    const source = this.source;
    try {
      if (source.kind === "object") return source.jwks;
      if (source.kind === "file") {
        if (!this.platform.readFile)
          throw new Error("a JWKS file needs a file system: pass the key set object instead");
        return JSON.parse(await this.platform.readFile(source.path));
      }
      const res = await this.options.fetch(source.url, {
        headers: { accept: "application/jwk-set+json, application/json" },
        signal: AbortSignal.timeout(this.options.fetchTimeoutMs),
      });
      if (!res.ok) throw new Error(`GET ${source.url} answered ${res.status}`);
      return await res.json();
    } catch (error) {
      const where = source.kind === "object" ? "object" : source.kind === "file" ? source.path : source.url;
      const reason = error instanceof Error ? error.message : String(error);
      throw new TesseraTokenError("JWKS_UNAVAILABLE", `Could not load the key set (${where}): ${reason}`, {
        cause: error,
      });
    }
  }
}

/**
 * Imports every usable key. Symmetric (`oct`) and other foreign keys are skipped, never
 * imported: that is what makes "HS256 signed with the public key" impossible.
 */
export async function importKeySet(jwks: unknown, platform: Platform): Promise<Map<string, KeyEntry>> {
  if (typeof jwks !== "object" || jwks === null || !Array.isArray((jwks as JsonWebKeySet).keys)) {
    throw new TesseraTokenError("JWKS_UNAVAILABLE", "The key set has no keys array");
  }
  const keys = new Map<string, KeyEntry>();
  for (const jwk of (jwks as JsonWebKeySet).keys) {
    const alg = algorithmOf(jwk);
    if (!alg || typeof jwk.kid !== "string" || (jwk.use !== undefined && jwk.use !== "sig")) continue;
    try {
      keys.set(jwk.kid, { kid: jwk.kid, alg, key: await platform.importKey(jwk, alg) });
    } catch {
      // A key this runtime cannot import is as good as absent; tokens naming it get TOKEN_KID_UNKNOWN.
    }
  }
  return keys;
}

/** The algorithm a public JWK is for, from its type and curve (and `alg`, when it says one). */
export function algorithmOf(jwk: PublicJwk): TokenAlgorithm | undefined {
  if (typeof jwk !== "object" || jwk === null) return undefined;
  let alg: TokenAlgorithm | undefined;
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") alg = "EdDSA";
  else if (jwk.kty === "EC" && jwk.crv === "P-256") alg = "ES256";
  if (!alg || jwk.d !== undefined) return undefined; // a private key in a JWKS is a leak, not a key to use
  if (jwk.alg !== undefined && jwk.alg !== alg && !(alg === "EdDSA" && jwk.alg === "Ed25519")) return undefined;
  return alg;
}
