/**
 * Runtime copies of the token contract in `@tessera/core` (`packages/core/src/claims.ts`). The SDK
 * imports nothing from core at run time, so that zod never reaches an app's bundle;
 * `test/contract.test.ts` fails if these drift from core's values.
 */

/**
 * JOSE header `typ` every entitlement token carries.
 *
 * @example
 * if (decodeToken(token).header.typ !== TOKEN_TYP) console.warn("not an entitlement token");
 */
export const TOKEN_TYP = "tessera-ent+jwt";

/**
 * Asymmetric algorithms the verifier accepts by default: never `none`, never HMAC.
 *
 * @example
 * createVerifier({ jwks, tenant: "acme", algorithms: [TOKEN_ALGORITHMS[0]] }); // EdDSA only
 */
export const TOKEN_ALGORITHMS = ["EdDSA", "ES256"] as const;

/**
 * Compact tokens longer than this are refused (`TOKEN_TOO_LARGE`) before they are parsed.
 *
 * @example
 * if (cookie.length > TOKEN_MAX_BYTES) res.clearCookie("tessera_ent");
 */
export const TOKEN_MAX_BYTES = 16 * 1024;

/**
 * The claims version (`ver`) this SDK understands; others get `TOKEN_VERSION_UNSUPPORTED`.
 *
 * @example
 * console.log(`reads entitlement tokens v${CLAIMS_VERSION}`);
 */
export const CLAIMS_VERSION = 1;

/** Base of the RFC 9457 `type` URLs, as the server writes them. */
export const PROBLEM_TYPE_BASE = "https://tessera.dev/problems/";

/** `TOKEN_EXPIRED` → `https://tessera.dev/problems/token-expired`, the same rule as the server's. */
export function problemType(code: string): string {
  return PROBLEM_TYPE_BASE + code.toLowerCase().replaceAll("_", "-");
}
