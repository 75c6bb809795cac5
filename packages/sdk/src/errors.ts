/**
 * Why a token was refused, with a default message per code. Stable strings: apps branch on them and the adapters put them in
 * problem+json bodies, so a code is never renamed, only added.
 *
 * @example
 * const result = await verifier.check(token);
 * if (!result.valid) console.log(TOKEN_ERROR_CODES[result.code]);
 */
export const TOKEN_ERROR_CODES = {
  TOKEN_MISSING: "No entitlement token was presented",
  TOKEN_MALFORMED: "The token is not a well-formed compact JWS",
  TOKEN_TOO_LARGE: "The token exceeds the maximum size",
  TOKEN_TYPE_INVALID: "The token's typ header is not an entitlement token's",
  TOKEN_ALG_NOT_ALLOWED: "The token's signature algorithm is not allowed",
  TOKEN_KID_UNKNOWN: "The token was signed by a key that is not in the key set",
  TOKEN_SIGNATURE_INVALID: "The token's signature does not verify",
  TOKEN_CLAIMS_INVALID: "The token's claims do not have the expected shape",
  TOKEN_VERSION_UNSUPPORTED: "The token's claims version is not supported by this SDK",
  TOKEN_ISSUER_MISMATCH: "The token was issued by another issuer",
  TOKEN_AUDIENCE_MISMATCH: "The token was issued for another storefront",
  TOKEN_TENANT_MISMATCH: "The token was issued for another tenant",
  TOKEN_ENVIRONMENT_MISMATCH: "The token was issued for another environment",
  TOKEN_EXPIRED: "The token has expired",
  TOKEN_NOT_YET_VALID: "The token is not valid yet",
  TOKEN_ISSUED_IN_FUTURE: "The token's issue time is in the future",
  JWKS_UNAVAILABLE: "The key set could not be loaded",
} as const;

/**
 * One of {@link TOKEN_ERROR_CODES}' keys.
 *
 * @example
 * const retryable: TokenErrorCode[] = ["TOKEN_EXPIRED", "TOKEN_NOT_YET_VALID"];
 */
export type TokenErrorCode = keyof typeof TOKEN_ERROR_CODES;

/**
 * The one error class of token verification; `code` says why. `JWKS_UNAVAILABLE` is the only code
 * that is about infrastructure rather than the token, so `check()` throws it instead of returning it.
 *
 * @example
 * try {
 *   await verifier.verify(token);
 * } catch (error) {
 *   if (isTesseraTokenError(error) && error.code === "TOKEN_EXPIRED") refreshToken();
 * }
 */
export class TesseraTokenError extends Error {
  override readonly name = "TesseraTokenError";
  readonly code: TokenErrorCode;

  constructor(code: TokenErrorCode, message: string = TOKEN_ERROR_CODES[code], options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * True for a {@link TesseraTokenError}, also one made by another copy of the SDK or in another
 * realm (an iframe, a VM context), where `instanceof` fails: it matches by `name` and `code`.
 *
 * @example
 * if (isTesseraTokenError(error)) console.log(error.code);
 */
export function isTesseraTokenError(error: unknown): error is TesseraTokenError {
  if (error instanceof TesseraTokenError) return true;
  if (typeof error !== "object" || error === null) return false;
  const e = error as { name?: unknown; code?: unknown };
  return e.name === "TesseraTokenError" && typeof e.code === "string" && Object.hasOwn(TOKEN_ERROR_CODES, e.code);
}
