// Edge and browser entry: verification with jose over WebCrypto; imports nothing from node:.
// package.json's conditional exports pick this file or its twin; their APIs are identical.
import { bindPlatform, type DecodedToken } from "./entry.js";
import type { VerifierOptions } from "./options.js";
import { webPlatform } from "./platform/web.js";
import type { Verifier } from "./verifier.js";

export * from "./shared.js";
export type { DecodedToken };

const bound = bindPlatform(webPlatform);

/**
 * Creates a verifier of entitlement tokens: offline, with keys from a JWKS object, file or URL.
 * Make one per process and reuse it.
 *
 * @example
 * import { createVerifier } from "@tessera/sdk";
 *
 * const verifier = createVerifier({
 *   jwks: "https://tessera.example.com/v1/jwks/acme/production",
 *   issuer: "https://tessera.example.com",
 *   tenant: "acme",
 *   storefront: "sf_01JD…",
 * });
 * const ent = await verifier.verify(token);
 * if (ent.has("export-pdf")) exportPdf();
 */
export function createVerifier(options: VerifierOptions): Verifier {
  return bound.createVerifier(options);
}

/**
 * Decodes a token's header and payload **without verifying anything**: for logs and debugging.
 * Never decide access from its result; use {@link createVerifier}.
 *
 * @example
 * const { header, payload } = decodeToken(token);
 * console.log(header.kid, payload.exp);
 */
export function decodeToken(token: string): DecodedToken {
  return bound.decodeToken(token);
}
