import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { WebhookRequest } from "../../provider.js";
import { type Card, STRIPE_TEST_METHODS } from "./fake-stripe-methods.js";
import { stripeSignature } from "./webhooks.js";

/*
 * A local Stripe for the adapter's tests: node:http answering in the shapes of Stripe's API
 * reference (docs.stripe.com/api, stripe/openapi spec3.json) with Stripe's documented test payment
 * methods (docs.stripe.com/testing). It keeps state: intents, charges, refunds, customers, and the
 * idempotency layer (saved answers, 400 idempotency_error on other parameters, 409
 * idempotency_key_in_use while the first call runs). `pm_fake_*` methods exist only here.
 */

type Json = Record<string, unknown>;
const id = (prefix: string) => `${prefix}_${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;

export interface FakeStripe {
  url: string;
  secretKey: string;
  webhookSecret: string;
  /** The next `count` requests get this answer instead (429 rate limit, 500 api_error). */
  failNext(status: 429 | 500, count?: number): void;
  /** The customer passes 3-D Secure on the issuer's page. */
  authenticate(intentId: string): Promise<void>;
  /** How many intents were created under an idempotency key. */
  intentsUnder(key: string): number;
  /** A `charge.refunded` event about an intent, signed as Stripe signs it. */
  signedRefundEvent(intentId: string, eventId: string, now: Date): WebhookRequest;
  /** `charge.refunded` as Stripe sends it after a refund: the charge as it stands now (its refunded total). */
  signedChargeRefunded(intentId: string, eventId: string, now: Date): WebhookRequest;
  /** Stripe's books of an intent's charge: what it captured and refunded. */
  books(intentId: string): { captured: number; refunded: number };
  close(): Promise<void>;
}

/** `latencyMs`: every answer waits this long, like Stripe across the internet (the renewals bench). */
export async function startFakeStripe(options: { latencyMs?: number } = {}): Promise<FakeStripe> {
  const secretKey = `sk_test_${randomBytes(12).toString("hex")}`;
  const webhookSecret = `whsec_${randomBytes(16).toString("hex")}`;
  const intents = new Map<string, Json>();
  const charges = new Map<string, Json>();
  const customers = new Map<string, Json>();
  const methods = new Map<string, Card & { id: string; customer: string; fingerprint: string }>();
  const saved = new Map<string, { route: string; params: string; status: number; body: string } | "running">();
  const createdUnder = new Map<string, number>();
  const failures: number[] = [];
  const sockets = new Set<Socket>();

  const error = (status: number, e: Json) => ({ status, body: { error: e } });
  const missing = (what: string, value: string, param?: string) =>
    error(404, {
      type: "invalid_request_error",
      code: "resource_missing",
      message: `No such ${what}: '${value}'`,
      ...(param && { param }),
    });
  const unexpected = (pi: Json, verb: string) =>
    error(400, {
      type: "invalid_request_error",
      code: "payment_intent_unexpected_state",
      message: `This PaymentIntent could not be ${verb} because it has a status of ${pi.status}.`,
      payment_intent: pi,
    });

  function chargeOf(pi: Json, amountCaptured: number): Json {
    const ch = {
      id: id("ch"),
      object: "charge",
      amount: pi.amount,
      amount_captured: amountCaptured,
      amount_refunded: 0,
      currency: pi.currency,
      payment_intent: pi.id,
      refunded: false,
      metadata: pi.metadata,
    };
    charges.set(ch.id, ch);
    pi.latest_charge = ch.id;
    return ch;
  }

  function settle(pi: Json) {
    const amount = pi.amount as number;
    if (pi.capture_method === "manual") Object.assign(pi, { status: "requires_capture", amount_capturable: amount });
    else Object.assign(pi, { status: "succeeded", amount_received: amount });
    chargeOf(pi, pi.capture_method === "manual" ? 0 : amount);
  }

  function createIntent(p: Record<string, string>): { status: number; body: Json } | "hang" {
    const amount = Number(p.amount);
    if (!Number.isInteger(amount) || amount < 1 || !p.currency)
      return error(400, {
        type: "invalid_request_error",
        code: "parameter_invalid_integer",
        param: "amount",
        message: "Invalid integer",
      });
    const pmId = p.payment_method ?? "";
    const attached = methods.get(pmId);
    const card = attached ?? STRIPE_TEST_METHODS[pmId];
    if (!card) return error(400, { ...missing("PaymentMethod", pmId, "payment_method").body.error });
    if (attached && attached.customer !== p.customer)
      return error(400, {
        type: "invalid_request_error",
        param: "payment_method",
        message: "The provided PaymentMethod belongs to a Customer; provide its customer.",
      });
    const metadata = Object.fromEntries(
      Object.entries(p)
        .filter(([k]) => k.startsWith("metadata["))
        .map(([k, v]) => [k.slice(9, -1), v]),
    );
    const pi: Json = {
      id: id("pi"),
      object: "payment_intent",
      amount,
      amount_capturable: 0,
      amount_received: 0,
      capture_method: p.capture_method ?? "automatic",
      currency: p.currency,
      customer: p.customer ?? null,
      description: p.description ?? null,
      metadata,
      payment_method: pmId,
      payment_method_types: ["card"],
      status: "requires_payment_method",
      next_action: null,
      last_payment_error: null,
      latest_charge: null,
      cancellation_reason: null,
      livemode: false,
      created: Math.floor(Date.now() / 1000),
    };
    pi.client_secret = `${pi.id}_secret_${randomBytes(8).toString("hex")}`;
    intents.set(pi.id as string, pi);
    const key = metadata.tessera_idempotency_key;
    if (key) createdUnder.set(key, (createdUnder.get(key) ?? 0) + 1);
    const b = card.behaviour;
    if (b.kind === "ok" || b.kind === "hang") {
      settle(pi);
      return b.kind === "hang" ? "hang" : { status: 200, body: pi };
    }
    if (b.kind === "3ds") {
      if (p.off_session === "true") {
        const e = {
          type: "card_error",
          code: "authentication_required",
          decline_code: "authentication_required",
          message: "Your card was declined. This transaction requires authentication.",
        };
        Object.assign(pi, { last_payment_error: e });
        return error(402, { ...e, payment_intent: pi });
      }
      Object.assign(pi, {
        status: "requires_action",
        next_action: p.return_url
          ? {
              type: "redirect_to_url",
              redirect_to_url: { url: `${server.url}/_fake/3ds/${pi.id}`, return_url: p.return_url },
            }
          : { type: "use_stripe_sdk", use_stripe_sdk: { type: "stripe_3ds2_fingerprint" } },
      });
      return { status: 200, body: pi };
    }
    const e: Json = {
      type: "card_error",
      code: b.code,
      decline_code: b.decline,
      message: b.message,
      doc_url: `https://stripe.com/docs/error-codes/${b.code.replace(/_/g, "-")}`,
      ...(b.networkAdvice && { network_advice_code: b.networkAdvice, network_decline_code: "05" }),
    };
    chargeOf(pi, 0);
    Object.assign(pi, { last_payment_error: e });
    return error(402, { ...e, charge: pi.latest_charge, payment_intent: pi });
  }

  function route(
    method: string,
    path: string,
    p: Record<string, string>,
    query: URLSearchParams,
  ): { status: number; body: Json } | "hang" {
    const intentPath = /^\/v1\/payment_intents\/([^/]+)(?:\/(capture|cancel|confirm))?$/.exec(path);
    const attachPath = /^\/v1\/payment_methods\/([^/]+)\/attach$/.exec(path);
    if (method === "POST" && path === "/v1/payment_intents") return createIntent(p);
    if (method === "GET" && path === "/v1/payment_intents/search") {
      const q = /^metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'$/.exec(query.get("query") ?? "");
      if (!q) return error(400, { type: "invalid_request_error", param: "query", message: "Invalid search query" });
      const value = q[2]!.replace(/\\(.)/g, "$1");
      const data = [...intents.values()].filter((pi) => (pi.metadata as Record<string, string>)[q[1]!] === value);
      return {
        status: 200,
        body: { object: "search_result", data, has_more: false, next_page: null, url: "/v1/payment_intents/search" },
      };
    }
    if (intentPath && path !== "/v1/payment_intents/search") {
      const m = intentPath;
      const pi = intents.get(decodeURIComponent(m[1]!));
      if (!pi) return missing("payment_intent", m[1]!, "intent");
      if (method === "GET" && !m[2]) return { status: 200, body: pi };
      if (m[2] === "capture") {
        if (pi.status !== "requires_capture") return unexpected(pi, "captured");
        const amount =
          p.amount_to_capture === undefined ? (pi.amount_capturable as number) : Number(p.amount_to_capture);
        if (amount > (pi.amount_capturable as number))
          return error(400, {
            type: "invalid_request_error",
            code: "amount_too_large",
            param: "amount_to_capture",
            message: "The amount to capture is greater than the amount capturable.",
            payment_intent: pi,
          });
        // One capture per intent: the rest of the authorization is released.
        Object.assign(pi, { status: "succeeded", amount_received: amount, amount_capturable: 0 });
        Object.assign(charges.get(pi.latest_charge as string)!, { amount_captured: amount });
        return { status: 200, body: pi };
      }
      if (m[2] === "cancel") {
        if (pi.status === "succeeded" || pi.status === "canceled") return unexpected(pi, "canceled");
        Object.assign(pi, {
          status: "canceled",
          amount_capturable: 0,
          cancellation_reason: p.cancellation_reason ?? null,
          next_action: null,
        });
        return { status: 200, body: pi };
      }
      if (m[2] === "confirm") {
        if (pi.status !== "requires_confirmation") return unexpected(pi, "confirmed");
        settle(pi);
        return { status: 200, body: pi };
      }
    }
    if (method === "POST" && path === "/v1/refunds") {
      const pi = intents.get(p.payment_intent ?? "");
      if (!pi) return missing("payment_intent", p.payment_intent ?? "", "payment_intent");
      const ch = charges.get(pi.latest_charge as string);
      if (pi.status !== "succeeded" || !ch)
        return error(400, {
          type: "invalid_request_error",
          code: "charge_not_refundable",
          message: `This PaymentIntent does not have a successful charge to refund.`,
        });
      const left = (ch.amount_captured as number) - (ch.amount_refunded as number);
      if (left === 0)
        return error(400, {
          type: "invalid_request_error",
          code: "charge_already_refunded",
          message: `Charge ${ch.id} has already been refunded.`,
        });
      const amount = p.amount === undefined ? left : Number(p.amount);
      if (amount > left)
        return error(400, {
          type: "invalid_request_error",
          code: "amount_too_large",
          param: "amount",
          message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
        });
      Object.assign(ch, { amount_refunded: (ch.amount_refunded as number) + amount, refunded: amount === left });
      return {
        status: 200,
        body: {
          id: id("re"),
          object: "refund",
          amount,
          charge: ch.id,
          currency: pi.currency,
          payment_intent: pi.id,
          status: "succeeded",
          metadata: {},
        },
      };
    }
    if (method === "POST" && path === "/v1/customers") {
      const c = { id: id("cus"), object: "customer", metadata: {} };
      customers.set(c.id, c);
      return { status: 200, body: c };
    }
    if (method === "POST" && attachPath) {
      const m = attachPath;
      const card = STRIPE_TEST_METHODS[decodeURIComponent(m[1]!)];
      if (!card) return missing("PaymentMethod", decodeURIComponent(m[1]!), "payment_method");
      if (!customers.has(p.customer ?? "")) return missing("customer", p.customer ?? "", "customer");
      const fingerprint = createHash("sha256").update(`${card.brand}${card.last4}`).digest("base64url").slice(0, 16);
      const pm = { ...card, id: id("pm"), customer: p.customer!, fingerprint };
      methods.set(pm.id, pm);
      return {
        status: 200,
        body: {
          id: pm.id,
          object: "payment_method",
          type: "card",
          customer: pm.customer,
          card: {
            brand: card.brand,
            last4: card.last4,
            exp_month: 12,
            exp_year: 2034,
            fingerprint,
            country: "US",
            funding: "credit",
          },
        },
      };
    }
    return error(404, { type: "invalid_request_error", message: `Unrecognized request URL (${method}: ${path}).` });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const url = new URL(req.url ?? "/", "http://fake");
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", "request-id": id("req"), ...headers });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    if (url.pathname.startsWith("/_fake/3ds/")) {
      const pi = intents.get(url.pathname.slice("/_fake/3ds/".length));
      if (pi?.status === "requires_action") {
        Object.assign(pi, { next_action: null });
        settle(pi);
      }
      return send(200, { ok: Boolean(pi) });
    }
    if (req.headers.authorization !== `Bearer ${secretKey}`)
      return send(401, { error: { type: "invalid_request_error", message: "Invalid API Key provided" } });
    const forced = failures.shift();
    if (forced === 429)
      return send(429, {
        error: {
          type: "invalid_request_error",
          code: "rate_limit",
          message: "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
        },
      });
    const params = Object.fromEntries(new URLSearchParams(raw));
    const key = req.method === "POST" ? req.headers["idempotency-key"] : undefined;
    const routeKey = `${req.method} ${url.pathname}`;
    const canonical = new URLSearchParams(Object.entries(params).sort(([a], [b]) => a.localeCompare(b))).toString();
    if (typeof key === "string") {
      const before = saved.get(key);
      if (before === "running")
        return send(409, {
          error: {
            type: "idempotency_error",
            code: "idempotency_key_in_use",
            message:
              "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): " +
              key +
              ". Please try again later.",
          },
        });
      if (before) {
        if (before.route !== routeKey || before.params !== canonical)
          return send(400, {
            error: {
              type: "idempotency_error",
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
          });
        return send(before.status, before.body, { "idempotent-replayed": "true" });
      }
      saved.set(key, "running");
    }
    const result =
      forced === 500
        ? { status: 500, body: { error: { type: "api_error", message: "An unknown error occurred" } } }
        : route(req.method ?? "GET", url.pathname, params, url.searchParams);
    if (result === "hang") return; // processed; the answer never comes (the key stays "running", as on a stuck request)
    const body = JSON.stringify(result.body);
    if (typeof key === "string") {
      // Stripe saves an answer only once the endpoint ran: validation errors (400) are not saved.
      if (
        result.status === 400 &&
        (result.body.error as Json | undefined)?.type !== "card_error" &&
        !(result.body.error as Json)?.payment_intent
      )
        saved.delete(key);
      else saved.set(key, { route: routeKey, params: canonical, status: result.status, body });
    }
    send(result.status, body);
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((e) => {
      res.writeHead(500).end(String(e));
    });
  });
  http.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  function chargeOfIntent(intentId: string): Json {
    const pi = intents.get(intentId);
    const ch = pi && charges.get(pi.latest_charge as string);
    if (!ch) throw new Error(`fake stripe: no charge for ${intentId}`);
    return ch;
  }

  function signedEvent(eventId: string, type: string, now: Date, object: Json): WebhookRequest {
    const t = Math.floor(now.getTime() / 1000);
    const body = JSON.stringify({
      id: eventId,
      object: "event",
      type,
      created: t,
      livemode: false,
      api_version: "2024-06-20",
      data: { object },
    });
    return { headers: { "stripe-signature": `t=${t},v1=${stripeSignature(webhookSecret, t, body)}` }, body };
  }

  const server: FakeStripe = {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    secretKey,
    webhookSecret,
    failNext(status, count = 1) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    async authenticate(intentId) {
      await fetch(`${server.url}/_fake/3ds/${intentId}`);
    },
    intentsUnder: (key) => createdUnder.get(key) ?? 0,
    signedRefundEvent(intentId, eventId, now) {
      const ch = chargeOfIntent(intentId);
      return signedEvent(eventId, "charge.refunded", now, {
        ...ch,
        amount_refunded: ch.amount_captured,
        refunded: true,
      });
    },
    signedChargeRefunded(intentId, eventId, now) {
      return signedEvent(eventId, "charge.refunded", now, { ...chargeOfIntent(intentId) });
    },
    books(intentId) {
      const ch = chargeOfIntent(intentId);
      return { captured: ch.amount_captured as number, refunded: ch.amount_refunded as number };
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return server;
}
