import { exportJWK, exportPKCS8, generateKeyPair, importJWK, importPKCS8, type JWK, jwtVerify, SignJWT } from "jose";
import type { Deps } from "../../context.js";
import { newId } from "../../lib/ids.js";

/*
 * The keys that sign user access tokens: Ed25519, private keys sealed with the master key. The
 * newest key signs; a rotated key stays valid for verification until every token it signed has
 * expired (ACCESS_TTL_SECONDS), like entitlement signing keys.
 */
export const ACCESS_TTL_SECONDS = 900;
const ISSUER = "tessera:sessions";
const AUDIENCE = "tessera:api";

export interface AccessClaims {
  sub: string;
  sid: string;
}

export function sessionKeys(deps: Pick<Deps, "db" | "clock" | "secrets">) {
  const { db, clock, secrets } = deps;
  // Re-read now and then, so a rotation made by another replica is picked up.
  let current: { kid: string; key: CryptoKey; loadedAt: number } | undefined;
  const RELOAD_MS = 60_000;
  const verifying = new Map<string, CryptoKey>();

  async function create(): Promise<{ kid: string; key: CryptoKey }> {
    const { privateKey, publicKey } = await generateKeyPair("EdDSA", { extractable: true });
    const kid = newId("signing_key");
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
    await db
      .insertInto("session_signing_keys")
      .values({
        kid,
        public_jwk: JSON.stringify(jwk),
        private_key: secrets.seal(await exportPKCS8(privateKey), `session-key/${kid}`),
        created_at: clock.now().toISOString(),
        retired_at: null,
      })
      .execute();
    return { kid, key: privateKey };
  }

  async function signingKey(): Promise<{ kid: string; key: CryptoKey }> {
    const now = clock.now().getTime();
    if (current && now - current.loadedAt < RELOAD_MS) return current;
    const row = await db
      .selectFrom("session_signing_keys")
      .selectAll()
      .where("retired_at", "is", null)
      .orderBy("created_at", "desc")
      .orderBy("kid", "desc")
      .executeTakeFirst();
    const loaded = row
      ? {
          kid: row.kid,
          key: (await importPKCS8(secrets.open(row.private_key, `session-key/${row.kid}`), "EdDSA")) as CryptoKey,
        }
      : await create();
    current = { ...loaded, loadedAt: now };
    return current;
  }

  async function publicKey(kid: string): Promise<CryptoKey | undefined> {
    const cached = verifying.get(kid);
    if (cached) return cached;
    const row = await db.selectFrom("session_signing_keys").selectAll().where("kid", "=", kid).executeTakeFirst();
    if (!row) return undefined;
    const retiredLongAgo =
      row.retired_at && clock.now().getTime() - Date.parse(row.retired_at) > ACCESS_TTL_SECONDS * 1000;
    if (retiredLongAgo) return undefined;
    const key = (await importJWK(JSON.parse(row.public_jwk) as JWK, "EdDSA")) as CryptoKey;
    if (!row.retired_at) verifying.set(kid, key);
    return key;
  }

  return {
    async sign(claims: AccessClaims): Promise<string> {
      const { kid, key } = await signingKey();
      const now = Math.floor(clock.now().getTime() / 1000);
      return new SignJWT({ sid: claims.sid })
        .setProtectedHeader({ alg: "EdDSA", kid, typ: "at+jwt" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(claims.sub)
        .setIssuedAt(now)
        .setExpirationTime(now + ACCESS_TTL_SECONDS)
        .sign(key);
    },

    /** The claims of a valid access token, or undefined (expired, forged, unknown key). */
    async verify(token: string): Promise<AccessClaims | undefined> {
      try {
        const { payload } = await jwtVerify(
          token,
          async (header) => {
            const key = header.kid ? await publicKey(header.kid) : undefined;
            if (!key) throw new Error("unknown key");
            return key;
          },
          {
            issuer: ISSUER,
            audience: AUDIENCE,
            algorithms: ["EdDSA"],
            typ: "at+jwt",
            currentDate: clock.now(),
          },
        );
        if (typeof payload.sub !== "string" || typeof payload.sid !== "string") return undefined;
        return { sub: payload.sub, sid: payload.sid };
      } catch {
        return undefined;
      }
    },

    /** A new key signs from now on; the old one verifies what it signed until that expires. */
    async rotate(): Promise<string> {
      await db
        .updateTable("session_signing_keys")
        .set({ retired_at: clock.now().toISOString() })
        .where("retired_at", "is", null)
        .execute();
      verifying.clear();
      current = { ...(await create()), loadedAt: clock.now().getTime() };
      return current.kid;
    },
  };
}
