import { TOKEN_MAX_BYTES } from "./constants.js";
import { decodeUnverified } from "./jws.js";
import type { VerifierOptions } from "./options.js";
import type { Platform } from "./platform/types.js";
import { createVerifierWith, type Verifier } from "./verifier.js";

/**
 * A token's header and payload, decoded without any check.
 *
 * @example
 * const { header, payload }: DecodedToken = decodeToken(token);
 */
export interface DecodedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** The two functions each entry point binds to its platform. */
export function bindPlatform(platform: Platform) {
  return {
    createVerifier: (options: VerifierOptions): Verifier => createVerifierWith(platform, options),
    decodeToken: (token: string): DecodedToken => decodeUnverified(platform, token, TOKEN_MAX_BYTES),
  };
}
