import { createHash, randomBytes } from "node:crypto";
import { importPKCS8, importSPKI, jwtVerify, SignJWT } from "jose";
import type { Clock } from "../../../lib/clock.js";

/*
 * Fortumo's (now Boku's) request signing: every call carries `Authorization: Bearer <JWT>`, RS256
 * (header {"alg":"RS256","typ":"JWT"}), with iss = the merchant id, aud "Fortumo", iat / nbf / exp
 * in Unix seconds, a jti, and for POST/PUT `body_sha256`, the SHA-256 of the exact body — so the
 * token signs the body too (developer.fortumo.com, Payments API "integration prerequisites").
 * Callbacks to us are checked the same way in the other direction: signed with the aggregator's
 * key, naming our merchant as the audience.
 */

export const TOKEN_LIFETIME_SECONDS = 300;

export const bodySha256 = (body: string) => createHash("sha256").update(body, "utf8").digest("hex");

export async function signRequest(o: {
  privateKeyPem: string;
  issuer: string;
  audience: string;
  body: string | null;
  clock: Clock;
}): Promise<string> {
  const key = await importPKCS8(o.privateKeyPem, "RS256");
  const now = Math.floor(o.clock.now().getTime() / 1000);
  return new SignJWT(o.body === null ? {} : { body_sha256: bodySha256(o.body) })
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuer(o.issuer)
    .setAudience(o.audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
    .setJti(randomBytes(12).toString("hex"))
    .sign(key);
}

export type SignedCheck =
  | { ok: true; jti: string; issuedAt: number }
  | { ok: false; code: "MISSING_SIGNATURE" | "BAD_SIGNATURE" | "EXPIRED" | "BODY_MISMATCH"; reason: string };

/** Checks a Bearer JWT over a body: signature by the key, issuer, audience, time window, body hash. */
export async function verifySigned(o: {
  authorization: string | undefined;
  /** The body the token must sign; null for a GET, which carries none. */
  body: string | null;
  publicKeyPem: string;
  issuer: string;
  audience: string;
  clock: Clock;
  /** Seconds of clock skew allowed either side. */
  skewSeconds?: number;
}): Promise<SignedCheck> {
  const token = /^Bearer\s+(\S+)$/i.exec(o.authorization ?? "")?.[1];
  if (!token) return { ok: false, code: "MISSING_SIGNATURE", reason: "no Authorization: Bearer <JWT> header" };
  let payload: Record<string, unknown>;
  try {
    const key = await importSPKI(o.publicKeyPem, "RS256");
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ["RS256"],
      issuer: o.issuer,
      audience: o.audience,
      currentDate: o.clock.now(),
      clockTolerance: o.skewSeconds ?? 60,
      requiredClaims: o.body === null ? ["iat", "exp", "jti"] : ["iat", "exp", "jti", "body_sha256"],
      maxTokenAge: TOKEN_LIFETIME_SECONDS + (o.skewSeconds ?? 60),
    }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (
      code === "ERR_JWT_EXPIRED" ||
      (code === "ERR_JWT_CLAIM_VALIDATION_FAILED" && /iat|nbf|age/.test(String((error as { claim?: string }).claim)))
    )
      return {
        ok: false,
        code: "EXPIRED",
        reason: `the callback's token is outside its validity window (${(error as Error).message})`,
      };
    return {
      ok: false,
      code: "BAD_SIGNATURE",
      reason: `the callback's token does not verify: ${(error as Error).message}`,
    };
  }
  if (o.body !== null && payload.body_sha256 !== bodySha256(o.body)) {
    return { ok: false, code: "BODY_MISMATCH", reason: "body_sha256 does not match the body received" };
  }
  return { ok: true, jti: String(payload.jti), issuedAt: Number(payload.iat) };
}
