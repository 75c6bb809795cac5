import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Clock } from "../../../lib/clock.js";
import { PAYPAL_TEST_PKI, signPayPalDelivery } from "../../payments/providers/paypal/test-pki.js";
import type { InboundRequest } from "../port.js";
import type { PayPalSubscription } from "./api.js";

/*
 * A local PayPal for the channel's tests and simulator: node:http answering in the shapes of
 * paypal/paypal-rest-api-specifications (oauth2 token, billing_subscriptions_v1, payments sale v1)
 * and signing webhook events as PayPal does, with the test PKI the PayPal payment adapter's tests
 * use (a test root → intermediate → messageverificationcerts.sandbox.paypal.com). Its `fetch` sends requests for
 * https://api-m.sandbox.paypal.com (and the certificate URL there) to it, so the adapter's host
 * checks stay real.
 */

export const FAKE_PAYPAL_HOST = "https://api-m.sandbox.paypal.com";
export const FAKE_CERT_URL = `${FAKE_PAYPAL_HOST}/v1/notifications/certs/CERT-360caa42-fca2a594-fake`;

type Json = Record<string, unknown>;

export interface FakePayPal {
  url: string;
  clientId: string;
  clientSecret: string;
  webhookId: string;
  /** The root the webhook certificate chains to (what a storefront's test setting trusts). */
  rootPem: string;
  /** A fetch that reaches this server for PayPal's sandbox host and the real network for nothing else. */
  fetch: typeof fetch;
  subscriptions: Map<string, PayPalSubscription>;
  sales: Map<string, Json>;
  /** Requests seen, for wire-format assertions. */
  requests: Array<{ method: string; path: string; headers: Record<string, string>; body: string }>;
  /** The buyer approves at PayPal: the subscription becomes ACTIVE. */
  approve(id: string): void;
  /** A webhook delivery as PayPal signs it. */
  signed(event: Json, options?: { at?: Date; certUrl?: string; webhookId?: string }): InboundRequest;
  /** Signed by a forger whose certificate carries PayPal's name under a root nobody trusts. */
  signedByForger(event: Json, at: Date): InboundRequest;
  close(): Promise<void>;
}

export async function startFakePayPal(options: {
  /** PayPal's own time for what it creates and signs. */
  clock: Clock;
}): Promise<FakePayPal> {
  const clientId = `AV${randomBytes(8).toString("hex")}`;
  const clientSecret = `EL${randomBytes(16).toString("hex")}`;
  const webhookId = `${randomBytes(8).toString("hex").toUpperCase()}`;
  const tokens = new Set<string>();
  const subscriptions = new Map<string, PayPalSubscription>();
  const sales = new Map<string, Json>();
  const byRequestId = new Map<string, string>();
  const requests: FakePayPal["requests"] = [];
  const sockets = new Set<Socket>();

  const error = (status: number, name: string, message: string, issue?: string) => ({
    status,
    body: {
      name,
      message,
      debug_id: randomBytes(6).toString("hex"),
      ...(issue && { details: [{ issue, description: message }] }),
    },
  });

  function route(req: IncomingMessage, path: string, body: string): { status: number; body?: unknown; text?: string } {
    if (req.method === "GET" && path === new URL(FAKE_CERT_URL).pathname)
      return { status: 200, text: PAYPAL_TEST_PKI.chain };
    if (req.method === "GET" && path.endsWith("/forger-cert"))
      return { status: 200, text: PAYPAL_TEST_PKI.forgerChain };
    if (req.method === "POST" && path === "/v1/oauth2/token") {
      const basic = Buffer.from(`${clientId}:${clientSecret}`).toString("base64");
      if (req.headers.authorization !== `Basic ${basic}`) {
        return { status: 401, body: { error: "invalid_client", error_description: "Client Authentication failed" } };
      }
      if (body !== "grant_type=client_credentials") {
        return { status: 400, body: { error: "unsupported_grant_type", error_description: "Grant Type is NULL" } };
      }
      const token = `A21AA${randomBytes(16).toString("hex")}`;
      tokens.add(token);
      return {
        status: 200,
        body: {
          scope: "https://uri.paypal.com/services/subscriptions",
          access_token: token,
          token_type: "Bearer",
          app_id: "APP-80W284485P519543T",
          expires_in: 32400,
          nonce: randomBytes(8).toString("hex"),
        },
      };
    }
    const bearer = req.headers.authorization?.replace(/^Bearer /, "") ?? "";
    if (!tokens.has(bearer))
      return error(
        401,
        "AUTHENTICATION_FAILURE",
        "Authentication failed due to invalid authentication credentials or a missing Authorization header.",
      );
    if (req.method === "POST" && path === "/v1/billing/subscriptions") {
      const requestId = String(req.headers["paypal-request-id"] ?? "");
      const again = requestId && byRequestId.get(requestId);
      if (again) return { status: 201, body: subscriptions.get(again) };
      let input: Json;
      try {
        input = JSON.parse(body) as Json;
      } catch {
        return error(
          400,
          "INVALID_REQUEST",
          "Request is not well-formed, syntactically incorrect, or violates schema.",
          "MALFORMED_REQUEST_JSON",
        );
      }
      const planId = input.plan_id;
      if (typeof planId !== "string" || !planId.startsWith("P-")) {
        return error(422, "UNPROCESSABLE_ENTITY", "The specified resource does not exist.", "RESOURCE_NOT_FOUND");
      }
      const id = `I-${randomBytes(6).toString("hex").toUpperCase()}`;
      const token = `BA-${randomBytes(8).toString("hex").toUpperCase()}`;
      const now = options.clock
        .now()
        .toISOString()
        .replace(/\.\d+Z$/, "Z");
      const subscription: PayPalSubscription = {
        id,
        status: "APPROVAL_PENDING",
        status_update_time: now,
        plan_id: planId,
        start_time: now,
        ...(typeof input.custom_id === "string" && { custom_id: input.custom_id }),
        create_time: now,
        links: [
          {
            href: `https://www.sandbox.paypal.com/webapps/billing/subscriptions?ba_token=${token}`,
            rel: "approve",
            method: "GET",
          },
          { href: `${FAKE_PAYPAL_HOST}/v1/billing/subscriptions/${id}`, rel: "edit", method: "PATCH" },
          { href: `${FAKE_PAYPAL_HOST}/v1/billing/subscriptions/${id}`, rel: "self", method: "GET" },
        ],
      };
      subscriptions.set(id, subscription);
      if (requestId) byRequestId.set(requestId, id);
      return { status: 201, body: subscription };
    }
    const sub = /^\/v1\/billing\/subscriptions\/([^/]+)(\/cancel)?$/.exec(path);
    if (sub) {
      const found = subscriptions.get(decodeURIComponent(sub[1]!));
      if (!found)
        return error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.", "INVALID_RESOURCE_ID");
      if (req.method === "GET" && !sub[2]) return { status: 200, body: found };
      if (req.method === "POST" && sub[2]) {
        if (found.status !== "ACTIVE" && found.status !== "SUSPENDED") {
          return error(
            422,
            "UNPROCESSABLE_ENTITY",
            "The requested action could not be performed, semantically incorrect, or failed business validation.",
            "SUBSCRIPTION_STATUS_INVALID",
          );
        }
        found.status = "CANCELLED";
        return { status: 204 };
      }
    }
    const sale = /^\/v1\/payments\/sale\/([^/]+)$/.exec(path);
    if (sale && req.method === "GET") {
      const found = sales.get(decodeURIComponent(sale[1]!));
      return found
        ? { status: 200, body: found }
        : error(404, "INVALID_RESOURCE_ID", "The requested resource ID was not found");
    }
    return error(404, "NOT_FOUND", `No route ${req.method} ${path}`);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = new URL(req.url ?? "/", "http://fake").pathname;
      requests.push({ method: req.method ?? "", path, headers: req.headers as Record<string, string>, body });
      const out = route(req, path, body);
      if (out.text !== undefined) {
        res.writeHead(out.status, { "content-type": "application/x-pem-file" }).end(out.text);
      } else if (out.body === undefined) {
        res.writeHead(out.status).end();
      } else {
        res
          .writeHead(out.status, { "content-type": "application/json", "paypal-debug-id": "fake" })
          .end(JSON.stringify(out.body));
      }
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fakeFetch: typeof fetch = async (input, init) => {
    const target = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!target.startsWith(`${FAKE_PAYPAL_HOST}/`))
      throw new TypeError(`fetch failed: ${target} is not the fake PayPal`);
    return fetch(url + target.slice(FAKE_PAYPAL_HOST.length), init);
  };

  function signWith(key: string, event: Json, at: Date, certUrl: string, hook: string): InboundRequest {
    return signPayPalDelivery({
      body: JSON.stringify(event),
      webhookId: hook,
      transmissionId: randomBytes(16).toString("hex"),
      transmissionTime: at.toISOString().replace(/\.\d+Z$/, "Z"),
      certUrl,
      key,
    });
  }

  return {
    url,
    clientId,
    clientSecret,
    webhookId,
    rootPem: PAYPAL_TEST_PKI.root,
    fetch: fakeFetch,
    subscriptions,
    sales,
    requests,
    approve(id) {
      const found = subscriptions.get(id);
      if (!found) throw new Error(`no subscription ${id}`);
      found.status = "ACTIVE";
      found.status_update_time = options.clock
        .now()
        .toISOString()
        .replace(/\.\d+Z$/, "Z");
    },
    signed: (event, o = {}) =>
      signWith(
        PAYPAL_TEST_PKI.key,
        event,
        o.at ?? options.clock.now(),
        o.certUrl ?? FAKE_CERT_URL,
        o.webhookId ?? webhookId,
      ),
    signedByForger: (event, at) =>
      signWith(
        PAYPAL_TEST_PKI.forgerKey,
        event,
        at,
        `${FAKE_PAYPAL_HOST}/v1/notifications/certs/forger-cert`,
        webhookId,
      ),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
