import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { importPKCS8, SignJWT } from "jose";
import type { Clock } from "../../../lib/clock.js";
import type { InboundRequest } from "../port.js";
import { AGGREGATOR_AUDIENCE } from "./api.js";
import { bodySha256, verifySigned } from "./jwt.js";

/*
 * A local carrier-billing aggregator in the shapes of Fortumo's Payments API, for the telecom
 * channel's tests and simulator. It checks every request's RS256 JWT against the merchant's public
 * key (and its body_sha256), runs PIN authorisations (state new → pending when the PIN "SMS" is
 * sent → verified, or failed after 3 wrong PINs) and header-enrichment ones, takes charges and
 * cancellations, answers subscription info, and signs callbacks with its own key.
 */

type Json = Record<string, unknown>;

export interface FakeAggregator {
  url: string;
  merchantId: string;
  /** Our side's key pair, which a storefront's settings hold (private) and the aggregator trusts (public). */
  merchantPrivateKey: string;
  /** What a storefront's settings hold to check callbacks. */
  aggregatorPublicKey: string;
  requests: Array<{ method: string; path: string; body: string; authorized: boolean }>;
  /** Authorisations by charging token; `msisdn` is the number the PIN was sent to (the aggregator knows it). */
  authorisations: Map<
    string,
    { state: string; msisdn: string | null; pin: string; attempts: number; reference: string }
  >;
  /** Subscriptions by operation reference, as the info API shows them. */
  subscriptions: Map<string, Json>;
  /** A callback as the aggregator signs it; `at` sets the token's issue time (a replay test's old token). */
  signedCallback(body: Json, at?: Date): Promise<InboundRequest>;
  /** Signed by a key that is not the aggregator's. */
  signedByStranger(body: Json): Promise<InboundRequest>;
  close(): Promise<void>;
}

const pem = (k: { export(o: { type: "pkcs8" | "spki"; format: "pem" }): string | Buffer }, type: "pkcs8" | "spki") =>
  String(k.export({ type, format: "pem" }));

export async function startFakeAggregator(options: { clock: Clock }): Promise<FakeAggregator> {
  const merchantId = randomBytes(16).toString("hex");
  const merchant = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const aggregator = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const merchantPublic = pem(merchant.publicKey, "spki");
  const requests: FakeAggregator["requests"] = [];
  const authorisations: FakeAggregator["authorisations"] = new Map();
  const subscriptions = new Map<string, Json>();
  const sockets = new Set<Socket>();

  async function sign(privateKey: string, body: Json, at: Date): Promise<InboundRequest> {
    const text = JSON.stringify(body);
    const now = Math.floor(at.getTime() / 1000);
    const token = await new SignJWT({ body_sha256: bodySha256(text) })
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .setIssuer(AGGREGATOR_AUDIENCE)
      .setAudience(merchantId)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 300)
      .setJti(randomBytes(8).toString("hex"))
      .sign(await importPKCS8(privateKey, "RS256"));
    return { headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: text };
  }

  const error = (status: number, message: string) => ({ status, body: { error: { code: status, message } } });

  async function route(req: IncomingMessage, path: string, query: URLSearchParams, body: string) {
    const auth = await verifySigned({
      authorization: req.headers.authorization,
      body: req.method === "GET" ? null : body,
      publicKeyPem: merchantPublic,
      issuer: merchantId,
      audience: AGGREGATOR_AUDIENCE,
      clock: options.clock,
    }).catch(() => ({ ok: false as const }));
    const authorized = auth.ok;
    requests[requests.length - 1]!.authorized = authorized;
    if (!authorized) return error(401, "JWT is missing, expired or not signed by the merchant's key");
    let input: Json = {};
    if (req.method !== "GET") {
      if (req.headers["content-type"] !== "application/json")
        return error(406, "Content-Type was not application/json");
      try {
        input = JSON.parse(body) as Json;
      } catch {
        return error(400, "body is not JSON");
      }
      if (input.merchant !== merchantId) return error(403, "merchant is not supported");
    }
    if (req.method === "POST" && path === "/authorisations") {
      const flow = input.flow as { pin?: { msisdn?: string }; he?: Json } | undefined;
      if (!input.operation_reference || !input.channel_code || !input.country || !flow)
        return error(400, "mandatory field missing");
      const token = `${randomUUID()}:${randomBytes(4).toString("hex")}`;
      const msisdn = flow.pin?.msisdn ?? null;
      if (flow.pin && !msisdn) return error(400, "flow.pin.msisdn is mandatory");
      authorisations.set(token, {
        state: flow.pin ? "pending" : "new",
        msisdn,
        pin: String(1000 + (randomBytes(2).readUInt16BE() % 9000)),
        attempts: 0,
        reference: String(input.operation_reference),
      });
      return {
        status: 200,
        body: {
          charging_token: token,
          authorisation_state: flow.pin ? "pending" : "new",
          ...(flow.he && {
            flow: { he: { url: `${url}/he?s=${randomBytes(8).toString("hex")}`, request_type: "GET" } },
          }),
        },
      };
    }
    const auth1 = /^\/authorisations\/([^/]+)$/.exec(path);
    if (req.method === "PUT" && auth1) {
      const a = authorisations.get(decodeURIComponent(auth1[1]!));
      if (!a) return error(404, "unknown charging token");
      if (a.state !== "pending") return error(400, `authorisation is ${a.state}`);
      const pin = (input.flow as { pin?: { pin?: string } } | undefined)?.pin?.pin;
      a.attempts++;
      a.state = pin === a.pin ? "verified" : a.attempts >= 3 ? "failed" : "pending";
      return { status: 200, body: { authorisation_state: a.state } };
    }
    if (req.method === "POST" && path === "/payments") {
      const a = authorisations.get(String(input.charging_token));
      if (a?.state !== "verified") return error(400, "charging token is not verified");
      return {
        status: 200,
        body: { transaction_state: "pending_charge", operation_reference: input.operation_reference },
      };
    }
    if (req.method === "POST" && path === "/subscriptions/cancel") {
      const found = [...subscriptions.values()].find((s) => s.subscription_uuid === input.subscription_uuid);
      if (!found) return error(404, "unknown subscription");
      found.subscription_status = "cancelled";
      found.timestamp = options.clock.now().toISOString();
      return { status: 200, body: {} };
    }
    if (req.method === "GET" && path === "/subscriptions/info") {
      if (query.get("merchant") !== merchantId) return error(403, "merchant is not supported");
      const found = subscriptions.get(query.get("operation_reference") ?? "");
      return found ? { status: 200, body: found } : error(404, "unknown subscription");
    }
    return error(404, `no route ${req.method} ${path}`);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const parsed = new URL(req.url ?? "/", "http://fake");
      requests.push({ method: req.method ?? "", path: parsed.pathname, body, authorized: false });
      route(req, parsed.pathname, parsed.searchParams, body).then(
        (out) => res.writeHead(out.status, { "content-type": "application/json" }).end(JSON.stringify(out.body)),
        () => res.writeHead(500).end(),
      );
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const aggregatorPrivate = pem(aggregator.privateKey, "pkcs8");
  return {
    url,
    merchantId,
    merchantPrivateKey: pem(merchant.privateKey, "pkcs8"),
    aggregatorPublicKey: pem(aggregator.publicKey, "spki"),
    requests,
    authorisations,
    subscriptions,
    signedCallback: (body, at) => sign(aggregatorPrivate, body, at ?? options.clock.now()),
    signedByStranger: (body) => sign(pem(stranger.privateKey, "pkcs8"), body, options.clock.now()),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A subscription callback in the aggregator's shape (subscription_status with the last charge's billing_status). */
export function subscriptionCallback(o: {
  reference: string;
  status: string;
  billing?: string;
  at: Date;
  uuid?: string;
  chargingToken?: string;
  merchantId: string;
  period?: { start: Date; end: Date };
  price?: { amount: number; currency: string };
  action?: string;
}): Json {
  return {
    subscription_uuid: o.uuid ?? "fbc53c9a-0040-4303-9b91-eb3d305be0d7",
    charging_token: o.chargingToken ?? "8c6799cf-e888-43a7-994e-1c328b8e8a6d:7fb7daba",
    merchant: o.merchantId,
    operation_reference: o.reference,
    subscription_status: o.status,
    ...(o.billing && { billing_status: o.billing }),
    ...(o.period && { service_starts_at: o.period.start.toISOString(), service_ends_at: o.period.end.toISOString() }),
    consumer_identity: "e1903198-6d03-32be-a3d8-374e3d87dd65",
    error: {},
    timestamp: o.at.toISOString(),
    price: o.price ?? { amount: 4.99, currency: "EUR" },
    ...(o.action && { action: o.action }),
  };
}
