import { randomInt, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importSPKI, type JWK, jwtVerify, SignJWT } from "jose";
import type { SubscriptionPurchaseV2 } from "./api.js";

/*
 * A local Google for the Play channel, for tests and `tessera simulate play-store`: the OIDC
 * keys Pub/Sub signs push tokens with (a JWKS), the OAuth token endpoint (checks the service
 * account's RS256 JWT-bearer assertion), and the Play Developer API's subscriptionsv2.get and
 * subscriptions.acknowledge, answering in Google's documented shapes. It also builds the Pub/Sub
 * pushes of Real-Time Developer Notifications.
 */

export interface FakeGoogle {
  url: string;
  /** The key file of the service account the fake accepts. */
  serviceAccountJson: string;
  /** Sets what subscriptionsv2.get answers for a purchase token. */
  setPurchase(token: string, purchase: SubscriptionPurchaseV2): void;
  purchase(token: string): SubscriptionPurchaseV2 | undefined;
  acknowledged: string[];
  /** A Pub/Sub push of a developer notification, with an OIDC token for `audience` (unsigned when omitted). */
  push(
    notification: Record<string, unknown>,
    options?: { audience?: string; messageId?: string; email?: string },
  ): Promise<{ headers: Record<string, string>; body: string; messageId: string }>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export const PUSH_EMAIL = "pubsub-push@tessera-local.iam.gserviceaccount.com";

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const oidc = await generateKeyPair("RS256", { extractable: true });
  const oidcJwk: JWK = { ...(await exportJWK(oidc.publicKey)), kid: "local-oidc", alg: "RS256", use: "sig" };
  const account = await generateKeyPair("RS256", { extractable: true });
  const accountPublic = await importSPKI(await exportSPKI(account.publicKey), "RS256");
  const purchases = new Map<string, SubscriptionPurchaseV2>();
  const issued = new Set<string>();
  const acknowledged: string[] = [];
  let url = "";
  const email = "tessera-play@tessera-local.iam.gserviceaccount.com";

  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? "").split("?")[0]!;
    if (path === "/oauth2/v3/certs") return send(200, { keys: [oidcJwk] });
    if (path === "/token" && req.method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      try {
        if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") throw new Error("grant");
        const { payload } = await jwtVerify(form.get("assertion") ?? "", accountPublic, {
          issuer: email,
          audience: `${url}/token`,
        });
        if (payload.scope !== "https://www.googleapis.com/auth/androidpublisher") throw new Error("scope");
      } catch {
        return send(400, { error: "invalid_grant", error_description: "Invalid JWT Signature." });
      }
      const token = `ya29.local-${randomUUID()}`;
      issued.add(token);
      return send(200, { access_token: token, expires_in: 3599, token_type: "Bearer" });
    }
    if (!issued.has((req.headers.authorization ?? "").replace(/^Bearer /, ""))) {
      return send(401, {
        error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" },
      });
    }
    const get = /^\/androidpublisher\/v3\/applications\/[^/]+\/purchases\/subscriptionsv2\/tokens\/([^/]+)$/.exec(path);
    if (get && req.method === "GET") {
      const found = purchases.get(decodeURIComponent(get[1]!));
      if (!found)
        return send(404, { error: { code: 404, message: "The purchase token was not found.", status: "NOT_FOUND" } });
      return send(200, { kind: "androidpublisher#subscriptionPurchaseV2", ...found });
    }
    const ack =
      /^\/androidpublisher\/v3\/applications\/[^/]+\/purchases\/subscriptions\/[^/]+\/tokens\/([^/:]+):acknowledge$/.exec(
        path,
      );
    if (ack && req.method === "POST") {
      const token = decodeURIComponent(ack[1]!);
      const found = purchases.get(token);
      if (!found) return send(404, { error: { code: 404, message: "Not found", status: "NOT_FOUND" } });
      purchases.set(token, { ...found, acknowledgementState: "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED" });
      acknowledged.push(token);
      res.writeHead(204).end();
      return;
    }
    send(404, { error: { code: 404, message: "Not found", status: "NOT_FOUND" } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    serviceAccountJson: JSON.stringify({
      type: "service_account",
      client_email: email,
      private_key: await exportPKCS8(account.privateKey),
      token_uri: `${url}/token`,
    }),
    setPurchase: (token, purchase) => purchases.set(token, purchase),
    purchase: (token) => purchases.get(token),
    acknowledged,
    async push(notification, options = {}) {
      // Pub/Sub message ids are decimal strings, unique per topic (random here: two local Googles must not collide).
      const messageId =
        options.messageId ?? `${randomInt(1, 1_000_000)}${String(randomInt(0, 10_000_000)).padStart(7, "0")}`;
      const body = JSON.stringify({
        message: {
          data: Buffer.from(JSON.stringify(notification)).toString("base64"),
          messageId,
          message_id: messageId,
          publishTime: new Date(Number(notification.eventTimeMillis ?? 0)).toISOString(),
          attributes: {},
        },
        subscription: "projects/tessera-local/subscriptions/play-rtdn",
      });
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (options.audience) {
        const now = Math.floor(Date.now() / 1000);
        headers.authorization = `Bearer ${await new SignJWT({
          email: options.email ?? PUSH_EMAIL,
          email_verified: true,
        })
          .setProtectedHeader({ alg: "RS256", kid: "local-oidc", typ: "JWT" })
          .setIssuer("https://accounts.google.com")
          .setAudience(options.audience)
          .setSubject("110000000000000000001")
          .setIssuedAt(now)
          .setExpirationTime(now + 3600)
          .sign(oidc.privateKey)}`;
      }
      return { headers, body, messageId };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
