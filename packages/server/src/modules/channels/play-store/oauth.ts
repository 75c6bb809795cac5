import { importPKCS8, SignJWT } from "jose";
import type { ServiceAccount } from "./settings.js";

/*
 * A service account's access token by the OAuth 2.0 JWT bearer grant (RFC 7523; Google's
 * "Using OAuth 2.0 for server to server applications"): an RS256 assertion signed with the key
 * file's private key, exchanged at its token_uri. Cached until a minute before it expires.
 */

export const ANDROID_PUBLISHER_SCOPE = "https://www.googleapis.com/auth/androidpublisher";

const cache = new Map<string, { token: string; until: number }>();

export async function accessToken(account: ServiceAccount, fetchImpl: typeof fetch): Promise<string> {
  const key = `${account.token_uri}|${account.client_email}`;
  // Wall time: the token's life is Google's, not a test clock's.
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.token;
  const iat = Math.floor(now / 1000);
  const assertion = await new SignJWT({ scope: ANDROID_PUBLISHER_SCOPE })
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuer(account.client_email)
    .setAudience(account.token_uri)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .sign(await importPKCS8(account.private_key, "RS256"));
  const res = await fetchImpl(account.token_uri, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString(),
  });
  if (!res.ok) throw new Error(`Google's token endpoint answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { access_token?: string; expires_in?: number };
  if (!body.access_token) throw new Error("Google's token endpoint answered no access_token");
  cache.set(key, { token: body.access_token, until: now + ((body.expires_in ?? 3600) - 60) * 1000 });
  return body.access_token;
}
