import { base64url, errors, flattenedVerify, importJWK, type JWK } from "jose";
import type { Platform, PublicJwk, TokenAlgorithm } from "./types.js";

const text = new TextDecoder("utf-8", { fatal: true });

/**
 * jose over WebCrypto: the path for edge runtimes (Next.js middleware, workers) and browsers.
 * Nothing here touches node: modules, so bundlers for those targets accept it.
 */
export const webPlatform: Platform = {
  name: "web",
  importKey(jwk: PublicJwk, alg: TokenAlgorithm) {
    return importJWK(jwk as JWK, alg);
  },
  async verify(alg, key, signingInput, signature) {
    const dot = signingInput.indexOf(".");
    try {
      await flattenedVerify(
        { protected: signingInput.slice(0, dot), payload: signingInput.slice(dot + 1), signature },
        key as CryptoKey,
        { algorithms: [alg] },
      );
      return true;
    } catch (error) {
      if (error instanceof errors.JWSSignatureVerificationFailed) return false;
      throw error;
    }
  },
  decode(segment) {
    return text.decode(base64url.decode(segment));
  },
};
