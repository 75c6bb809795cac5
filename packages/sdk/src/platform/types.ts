/**
 * The signature algorithms the SDK can verify at all; `VerifierOptions.algorithms` narrows this.
 *
 * @example
 * const algorithms: TokenAlgorithm[] = ["EdDSA"];
 */
export type TokenAlgorithm = "EdDSA" | "ES256";

/**
 * A public key in JWK form, as published in a JWKS.
 *
 * @example
 * const key: PublicJwk = { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", kid: "sk_1" };
 */
export interface PublicJwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  crv?: string;
  x?: string;
  y?: string;
  [member: string]: unknown;
}

/**
 * A JSON Web Key Set, e.g. the body of the server's JWKS endpoint.
 *
 * @example
 * const jwks: JsonWebKeySet = JSON.parse(readFileSync("jwks.json", "utf8"));
 * const verifier = createVerifier({ jwks, tenant: "acme" });
 */
export interface JsonWebKeySet {
  keys: PublicJwk[];
}

/**
 * What differs between Node and edge runtimes/browsers. The Node entry passes node:crypto
 * (synchronous, about twice as fast as WebCrypto for one token); the web entry passes jose over
 * WebCrypto and has no file system. Shared code never imports either directly.
 */
export interface Platform {
  readonly name: "node" | "web";
  /** Imports a public key for one algorithm; throws when the key does not fit it. */
  importKey(jwk: PublicJwk, alg: TokenAlgorithm): unknown;
  /**
   * Checks a compact JWS's signature. `signingInput` is `header.payload` as sent. May answer
   * synchronously; callers must accept both.
   */
  verify(alg: TokenAlgorithm, key: unknown, signingInput: string, signature: string): boolean | Promise<boolean>;
  /** base64url → UTF-8 text. */
  decode(segment: string): string;
  /** Reads a local file as UTF-8, or is absent where there is no file system. */
  readFile?: (path: string) => Promise<string>;
}
