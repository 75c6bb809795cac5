import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

export type Alg = "EdDSA" | "ES256";

export interface TestKey {
  kid: string;
  alg: Alg;
  privateKey: CryptoKey;
  jwk: JWK;
}

/** A fresh signing key; its public half as it would appear in the server's JWKS. */
export async function makeKey(
  alg: Alg = "EdDSA",
  kid = `sk_${alg.toLowerCase()}_${crypto.randomUUID()}`,
): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, jwk };
}

export const TENANT_ID = "ten_01JD0000000000000000000000";
export const STOREFRONT_ID = "sf_01JD0000000000000000000000";
export const ISSUER = "https://tessera.test";

/** What a verifier of these test tokens must be told: their issuer and storefront. */
export const EXPECTED = { issuer: ISSUER, storefront: STOREFRONT_ID } as const;

/** Claims as the server issues them, for "now" (seconds), with overrides. */
export function claimsFor(now: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    sub: "cus_01JD0000000000000000000000",
    aud: STOREFRONT_ID,
    tn: TENANT_ID,
    tn_slug: "acme",
    env: "production",
    iat: now,
    nbf: now,
    exp: now + 900,
    jti: crypto.randomUUID(),
    ver: 1,
    ent: {
      "export-pdf": true,
      support: { level: "priority", rank: 1, levels: ["basic", "priority", "vip"] },
      "api-calls": { limit: 10000, used: 12, remaining: 9988, resets_at: now + 86400, period: "month" },
      courses: { ids: ["c1", "c2"] },
    },
    subs: [{ id: "sub_01JD0000000000000000000000", bundle: "pro", status: "active", current_period_end: now + 86400 }],
    ...overrides,
  };
}

/** Signs like the server: typ and kid in the header. */
export function sign(
  key: TestKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: "tessera-ent+jwt", kid: key.kid, ...header } as { alg: string })
    .sign(key.privateKey);
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
