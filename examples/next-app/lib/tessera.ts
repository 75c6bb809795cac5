import { createVerifier, type Verifier } from "@tessera/sdk";

let verifier: Verifier | undefined;

/**
 * One verifier per server process: it caches the key set and verified tokens. Made on first use
 * rather than at import, so `next build` (which imports route modules) needs no Tessera settings.
 */
export function getVerifier(): Verifier {
  verifier ??= createVerifier({
    jwksUrl: required("TESSERA_JWKS_URL"), // e.g. http://localhost:3000/v1/jwks/acme/production
    tenant: required("TESSERA_TENANT"),
    storefront: required("TESSERA_STOREFRONT"),
    issuer: required("TESSERA_ISSUER"), // the server's public base URL (the token's `iss`)
    environment: process.env.TESSERA_ENVIRONMENT, // e.g. production; checked against `env` when set
  });
  return verifier;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (see README.md)`);
  return value;
}
