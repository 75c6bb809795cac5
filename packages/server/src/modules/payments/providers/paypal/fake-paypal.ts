import { randomBytes } from "node:crypto";
import type { Json } from "../../../../../test/harness.js";
import type { WebhookRequest } from "../../provider.js";
import { type FakeAnswer, type FakeRequest, ForcedFailures, startFakeServer } from "../fake-server.js";
import { signPayPalDelivery } from "./test-pki.js";

/*
 * A local PayPal for the adapter's tests, answering in the shapes of paypal-rest-api-specifications
 * (checkout_orders_v2.json, payments_payment_v2.json, vault_payment_tokens_v3.json): OAuth2
 * client-credentials tokens, orders with vaulted payment sources completed at once, authorization
 * capture and void, capture refunds, Vault v3 payment tokens, and PayPal-Request-Id idempotency
 * (a known id gets the first answer back, whatever the body). Card outcomes follow PayPal's
 * processor response codes; the vault ids below (`ok`, `insufficientfunds`…) exist only here.
 */

type Behaviour =
  | { kind: "ok" }
  | { kind: "decline"; code: string; advice?: string }
  | { kind: "issue"; issue: string; description: string }
  | { kind: "3ds" }
  | { kind: "hang" };

export const PAYPAL_TEST_VAULT: Record<string, Behaviour> = {
  ok: { kind: "ok" },
  insufficientfunds: { kind: "decline", code: "5120" },
  donothonor: { kind: "decline", code: "0500" },
  stolen: { kind: "decline", code: "9520" },
  expired: { kind: "decline", code: "5400" },
  mac03: { kind: "decline", code: "0500", advice: "03" },
  cannotpay: {
    kind: "issue",
    issue: "PAYER_CANNOT_PAY",
    description: "Combination of payer and payee settings mean that this buyer cannot pay this seller.",
  },
  "3ds": { kind: "3ds" },
  timeout: { kind: "hang" },
};

/** PayPal's exponents, kept apart from the adapter's so a conversion bug cannot hide on both sides. */
const DECIMALS: Record<string, number> = { JPY: 0, HUF: 0, TWD: 0, KWD: 3, BHD: 3 };
const places = (currency: string) => DECIMALS[currency] ?? 2;
const cents = (value: string, currency: string) => Math.round(Number(value) * 10 ** places(currency));
const money = (n: number, currency: string) => ({
  currency_code: currency,
  value: (n / 10 ** places(currency)).toFixed(places(currency)),
});
const paypalId = () => randomBytes(9).toString("hex").toUpperCase().slice(0, 17);

interface Auth {
  id: string;
  order: string;
  amount: number;
  currency: string;
  status: "CREATED" | "CAPTURED" | "VOIDED" | "DENIED";
  custom: string;
}
interface Capture {
  id: string;
  order: string;
  amount: number;
  currency: string;
  refunded: number;
  status: "COMPLETED" | "DECLINED" | "PARTIALLY_REFUNDED" | "REFUNDED";
  custom: string;
  processor?: { response_code: string; payment_advice_code?: string };
}
interface Order {
  id: string;
  intent: "CAPTURE" | "AUTHORIZE";
  status: "PAYER_ACTION_REQUIRED" | "APPROVED" | "COMPLETED";
  amount: number;
  currency: string;
  custom: string;
  source: "card" | "paypal";
  vaultId: string;
  auths: Auth[];
  captures: Capture[];
}

export interface FakePayPal {
  url: string;
  clientId: string;
  clientSecret: string;
  webhookId: string;
  /** The next `count` API requests get this answer instead (429 RATE_LIMIT_REACHED, 500 INTERNAL_SERVER_ERROR). */
  failNext(status: 429 | 500, count?: number): void;
  /** Every access token issued so far stops working (PayPal answers 401 until a new one is fetched). */
  expireTokens(): void;
  tokensIssued(): number;
  /** The payer completes the payer-action page (3-D Secure): the order becomes APPROVED. */
  approve(orderId: string): void;
  ordersUnder(requestId: string): number;
  /** The order's first capture id (tests build events about it). */
  captureOf(orderId: string): string;
  /** A signed PAYMENT.CAPTURE.COMPLETED about the order's capture. */
  captureCompletedEvent(orderId: string, eventId: string, now: Date): WebhookRequest;
  /** A signed PAYMENT.CAPTURE.REFUNDED whose refund resource links `up` to the capture, as PayPal sends it. */
  refundedEvent(orderId: string, eventId: string, refundedMinor: number, now: Date): WebhookRequest;
  close(): Promise<void>;
}

export async function startFakePayPal(): Promise<FakePayPal> {
  const clientId = `client_${randomBytes(6).toString("hex")}`;
  const clientSecret = `secret_${randomBytes(12).toString("hex")}`;
  const webhookId = paypalId();
  const tokens = new Set<string>();
  let issued = 0;
  const orders = new Map<string, Order>();
  const auths = new Map<string, Auth>();
  const captures = new Map<string, Capture>();
  const vault = new Map<string, Behaviour & { card?: boolean }>();
  const saved = new Map<string, FakeAnswer>();
  const under = new Map<string, number>();
  const failures = new ForcedFailures();
  let base = "";

  const error = (status: number, name: string, message: string, issue?: string, description?: string): FakeAnswer => ({
    status,
    body: {
      name,
      message,
      debug_id: randomBytes(6).toString("hex"),
      ...(issue && { details: [{ issue, description: description ?? issue }] }),
      links: [
        { href: `https://developer.paypal.com/docs/api/orders/v2/#error-${issue ?? name}`, rel: "information_link" },
      ],
    },
  });
  const unprocessable = (issue: string, description: string) =>
    error(
      422,
      "UNPROCESSABLE_ENTITY",
      "The requested action could not be performed, semantically incorrect, or failed business validation.",
      issue,
      description,
    );
  const notFound = () =>
    error(
      404,
      "RESOURCE_NOT_FOUND",
      "The specified resource does not exist.",
      "INVALID_RESOURCE_ID",
      "Specified resource ID does not exist. Please check the resource ID and try again.",
    );

  const captureJson = (c: Capture, withOrder = false) => ({
    id: c.id,
    status: c.status,
    amount: money(c.amount, c.currency),
    custom_id: c.custom,
    final_capture: true,
    ...(c.processor && { processor_response: c.processor }),
    ...(withOrder && { supplementary_data: { related_ids: { order_id: c.order } } }),
    links: [{ href: `${base}/v2/payments/captures/${c.id}`, rel: "self", method: "GET" }],
  });
  const authJson = (a: Auth, processor?: Capture["processor"]) => ({
    id: a.id,
    status: a.status,
    amount: money(a.amount, a.currency),
    custom_id: a.custom,
    ...(processor && { processor_response: processor }),
    links: [{ href: `${base}/v2/payments/authorizations/${a.id}`, rel: "self", method: "GET" }],
  });
  const orderJson = (o: Order, processor?: Capture["processor"]) => ({
    id: o.id,
    intent: o.intent,
    status: o.status,
    payment_source:
      o.source === "card"
        ? { card: { last_digits: "1111", brand: "VISA", type: "CREDIT" } }
        : { paypal: { email_address: "payer@example.com", account_status: "VERIFIED" } },
    purchase_units: [
      {
        reference_id: "default",
        custom_id: o.custom,
        amount: money(o.amount, o.currency),
        ...((o.auths.length > 0 || o.captures.length > 0) && {
          payments: {
            ...(o.auths.length > 0 && { authorizations: o.auths.map((a) => authJson(a, processor)) }),
            ...(o.captures.length > 0 && { captures: o.captures.map((c) => captureJson(c)) }),
          },
        }),
      },
    ],
    links: [
      { href: `${base}/v2/checkout/orders/${o.id}`, rel: "self", method: "GET" },
      ...(o.status === "PAYER_ACTION_REQUIRED"
        ? [{ href: `${base}/_fake/checkoutnow?token=${o.id}`, rel: "payer-action", method: "GET" }]
        : []),
    ],
  });

  /** Completes an order: one authorization or capture, approved or declined. */
  function complete(o: Order, decline?: Capture["processor"]) {
    o.status = "COMPLETED";
    if (o.intent === "AUTHORIZE") {
      const a: Auth = {
        id: paypalId(),
        order: o.id,
        amount: o.amount,
        currency: o.currency,
        status: decline ? "DENIED" : "CREATED",
        custom: o.custom,
      };
      auths.set(a.id, a);
      o.auths.push(a);
    } else {
      const c: Capture = {
        id: paypalId(),
        order: o.id,
        amount: o.amount,
        currency: o.currency,
        refunded: 0,
        status: decline ? "DECLINED" : "COMPLETED",
        custom: o.custom,
        processor: decline ?? { response_code: "0000" },
      };
      captures.set(c.id, c);
      o.captures.push(c);
    }
    return { status: 201, body: orderJson(o, decline) } satisfies FakeAnswer;
  }

  function createOrder(b: Json, requestId: string | undefined): FakeAnswer | "hang" {
    const unit = b?.purchase_units?.[0];
    const currency = unit?.amount?.currency_code;
    const value = unit?.amount?.value;
    if (!currency || typeof value !== "string" || !["CAPTURE", "AUTHORIZE"].includes(b?.intent))
      return error(
        400,
        "INVALID_REQUEST",
        "Request is not well-formed, syntactically incorrect, or violates schema.",
        "MISSING_REQUIRED_PARAMETER",
        "A required field / parameter is missing.",
      );
    const decimals = value.split(".")[1]?.length ?? 0;
    if (decimals > places(currency))
      return unprocessable(
        places(currency) === 0 ? "DECIMALS_NOT_SUPPORTED" : "DECIMAL_PRECISION",
        "The value of the field should not have more decimal places than allowed.",
      );
    const source = b.payment_source?.card ? "card" : b.payment_source?.paypal ? "paypal" : undefined;
    const vaultId: string | undefined = source && b.payment_source[source].vault_id;
    const behaviour = vaultId ? (vault.get(vaultId) ?? PAYPAL_TEST_VAULT[vaultId]) : undefined;
    if (!source || !vaultId || !behaviour) return unprocessable("TOKEN_ID_NOT_FOUND", "Specified token was not found.");
    const o: Order = {
      id: paypalId(),
      intent: b.intent,
      status: "COMPLETED",
      amount: cents(value, currency),
      currency,
      custom: unit.custom_id ?? "",
      source,
      vaultId,
      auths: [],
      captures: [],
    };
    if (behaviour.kind === "issue") return unprocessable(behaviour.issue, behaviour.description);
    orders.set(o.id, o);
    if (requestId) under.set(requestId, (under.get(requestId) ?? 0) + 1);
    if (behaviour.kind === "decline")
      return complete(o, {
        response_code: behaviour.code,
        ...(behaviour.advice && { payment_advice_code: behaviour.advice }),
      });
    if (behaviour.kind === "3ds") {
      if (b.payment_source.card?.stored_credential?.payment_initiator === "MERCHANT")
        return complete(o, { response_code: "5650" });
      o.status = "PAYER_ACTION_REQUIRED";
      return { status: 200, body: orderJson(o) };
    }
    const done = complete(o);
    if (behaviour.kind !== "hang") return done;
    // Charged, and the answer is lost: a replay of the request id still finds it.
    if (requestId) saved.set(`/v2/checkout/orders|${requestId}`, done);
    return "hang";
  }

  function captureAuth(a: Auth | undefined, b: Json): FakeAnswer {
    if (!a) return notFound();
    if (a.status === "CAPTURED")
      return unprocessable(
        "AUTHORIZATION_ALREADY_CAPTURED",
        "Authorization has been previously captured and hence cannot be captured again.",
      );
    if (a.status === "VOIDED")
      return unprocessable("AUTHORIZATION_VOIDED", "A voided authorization cannot be captured or reauthorized.");
    const amount = b?.amount ? cents(b.amount.value, b.amount.currency_code) : a.amount;
    // PayPal allows up to 115% of the authorization.
    if (amount > Math.floor(a.amount * 1.15))
      return unprocessable("MAX_CAPTURE_AMOUNT_EXCEEDED", "Capture amount exceeds allowable limit.");
    a.status = "CAPTURED";
    const o = orders.get(a.order)!;
    const c: Capture = {
      id: paypalId(),
      order: o.id,
      amount,
      currency: a.currency,
      refunded: 0,
      status: "COMPLETED",
      custom: a.custom,
    };
    captures.set(c.id, c);
    o.captures.push(c);
    return { status: 201, body: captureJson(c, true) };
  }

  function voidAuth(a: Auth | undefined): FakeAnswer {
    if (!a) return notFound();
    if (a.status === "CAPTURED")
      return unprocessable(
        "PREVIOUSLY_CAPTURED",
        "Authorization has been previously captured and hence cannot be voided.",
      );
    if (a.status === "VOIDED")
      return unprocessable(
        "PREVIOUSLY_VOIDED",
        "Authorization has been previously voided and hence cannot be voided again.",
      );
    a.status = "VOIDED";
    return { status: 200, body: authJson(a) };
  }

  function refund(c: Capture | undefined, b: Json): FakeAnswer {
    if (!c || c.status === "DECLINED") return notFound();
    if (c.refunded >= c.amount)
      return unprocessable("CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded");
    const amount = b?.amount ? cents(b.amount.value, b.amount.currency_code) : c.amount - c.refunded;
    if (b?.amount && b.amount.currency_code !== c.currency)
      return unprocessable("REFUND_CAPTURE_CURRENCY_MISMATCH", "Refund must be in the same currency as the capture");
    if (amount > c.amount - c.refunded)
      return unprocessable(
        "REFUND_AMOUNT_EXCEEDED",
        "The refund amount must be less than or equal to the capture amount that has not yet been refunded.",
      );
    c.refunded += amount;
    c.status = c.refunded === c.amount ? "REFUNDED" : "PARTIALLY_REFUNDED";
    return { status: 201, body: refundJson(c, paypalId(), amount, b?.custom_id) };
  }

  function refundJson(c: Capture, id: string, amount: number, custom?: string) {
    return {
      id,
      status: "COMPLETED",
      amount: money(amount, c.currency),
      ...(custom && { custom_id: custom }),
      seller_payable_breakdown: {
        gross_amount: money(amount, c.currency),
        paypal_fee: money(0, c.currency),
        net_amount: money(amount, c.currency),
        total_refunded_amount: money(c.refunded, c.currency),
      },
      links: [
        { href: `${base}/v2/payments/refunds/${id}`, rel: "self", method: "GET" },
        { href: `${base}/v2/payments/captures/${c.id}`, rel: "up", method: "GET" },
      ],
    };
  }

  function saveToken(b: Json): FakeAnswer {
    const setup = b?.payment_source?.token;
    if (setup?.type !== "SETUP_TOKEN" || typeof setup.id !== "string")
      return unprocessable("MISSING_REQUIRED_PARAMETER", "payment_source.token is required");
    const kind = setup.id.startsWith("setup-card")
      ? "card"
      : setup.id.startsWith("setup-paypal")
        ? "paypal"
        : undefined;
    if (!kind) return notFound();
    const id = randomBytes(4).toString("hex");
    vault.set(id, { kind: "ok" });
    return {
      status: 201,
      body: {
        id,
        customer: { id: `cust_${randomBytes(4).toString("hex")}` },
        payment_source:
          kind === "card"
            ? { card: { brand: "VISA", last_digits: "1111", expiry: "2030-12" } }
            : { paypal: { email_address: "payer@example.com", payer_id: paypalId() } },
        links: [{ href: `${base}/v3/vault/payment-tokens/${id}`, rel: "self", method: "GET" }],
      },
    };
  }

  function route(r: FakeRequest, b: Json, requestId: string | undefined): FakeAnswer | "hang" {
    const at = (re: RegExp, method: string) => (r.method === method ? re.exec(r.path)?.[1] : undefined);
    if (r.method === "POST" && r.path === "/v2/checkout/orders") return createOrder(b, requestId);
    if (r.method === "POST" && r.path === "/v3/vault/payment-tokens") return saveToken(b);
    const read = at(/^\/v2\/checkout\/orders\/([^/]+)$/, "GET");
    if (read) {
      const o = orders.get(read);
      return o ? { status: 200, body: orderJson(o) } : notFound();
    }
    const pay = at(/^\/v2\/checkout\/orders\/([^/]+)\/(?:capture|authorize)$/, "POST");
    if (pay) {
      const o = orders.get(pay);
      if (!o) return notFound();
      if (o.status === "COMPLETED")
        return unprocessable(
          o.intent === "CAPTURE" ? "ORDER_ALREADY_CAPTURED" : "ORDER_ALREADY_AUTHORIZED",
          "Order already completed.",
        );
      if (o.status !== "APPROVED")
        return unprocessable("ORDER_NOT_APPROVED", "Payer has not yet approved the Order for payment.");
      return complete(o);
    }
    const captureOf = at(/^\/v2\/payments\/authorizations\/([^/]+)\/capture$/, "POST");
    if (captureOf) return captureAuth(auths.get(captureOf), b);
    const voidOf = at(/^\/v2\/payments\/authorizations\/([^/]+)\/void$/, "POST");
    if (voidOf) return voidAuth(auths.get(voidOf));
    const refundOf = at(/^\/v2\/payments\/captures\/([^/]+)\/refund$/, "POST");
    if (refundOf) return refund(captures.get(refundOf), b);
    const capture = at(/^\/v2\/payments\/captures\/([^/]+)$/, "GET");
    if (capture) {
      const c = captures.get(capture);
      return c ? { status: 200, body: captureJson(c, true) } : notFound();
    }
    return notFound();
  }

  const server = await startFakeServer((r) => {
    if (r.path === "/v1/oauth2/token") {
      const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
      if (r.headers.authorization !== basic || r.body !== "grant_type=client_credentials")
        return { status: 401, body: { error: "invalid_client", error_description: "Client Authentication failed" } };
      const token = `A21AA${randomBytes(16).toString("hex")}`;
      tokens.add(token);
      issued++;
      return {
        status: 200,
        body: {
          scope: "https://uri.paypal.com/services/payments/payment",
          access_token: token,
          token_type: "Bearer",
          app_id: "APP-80W284485P519543T",
          expires_in: 32400,
          nonce: randomBytes(8).toString("hex"),
        },
      };
    }
    const bearer = /^Bearer (.+)$/.exec(String(r.headers.authorization ?? ""))?.[1];
    if (!bearer || !tokens.has(bearer))
      return error(
        401,
        "AUTHENTICATION_FAILURE",
        "Authentication failed due to missing authorization header, or invalid authentication credentials.",
      );
    const forced = failures.next();
    if (forced === 429) return error(429, "RATE_LIMIT_REACHED", "Too many requests. Blocked due to rate limiting.");
    if (forced === 500) return error(500, "INTERNAL_SERVER_ERROR", "An internal server error occurred.");
    const requestId = typeof r.headers["paypal-request-id"] === "string" ? r.headers["paypal-request-id"] : undefined;
    const key = requestId && `${r.path}|${requestId}`;
    if (key && saved.has(key)) return saved.get(key)!;
    let b: unknown;
    try {
      b = r.body ? JSON.parse(r.body) : {};
    } catch {
      return error(
        400,
        "INVALID_REQUEST",
        "Request is not well-formed, syntactically incorrect, or violates schema.",
        "MALFORMED_REQUEST_JSON",
        "The request JSON is not well formed.",
      );
    }
    const answer = route(r, b, requestId);
    // Answers to processed requests are kept under the request id; validation errors are not.
    if (key && answer !== "hang" && answer.status !== 400) saved.set(key, answer);
    return answer;
  });
  base = server.url;

  const order = (id: string) => {
    const o = orders.get(id);
    if (!o) throw new Error(`fake paypal: no order ${id}`);
    return o;
  };
  const signed = (eventType: string, resourceType: string, resource: unknown, eventId: string, now: Date) =>
    signPayPalDelivery({
      body: JSON.stringify({
        id: eventId,
        event_version: "1.0",
        create_time: now.toISOString(),
        resource_type: resourceType,
        event_type: eventType,
        summary: eventType,
        resource,
      }),
      webhookId,
      transmissionId: randomBytes(16).toString("hex"),
      transmissionTime: now.toISOString(),
    });

  return {
    url: server.url,
    clientId,
    clientSecret,
    webhookId,
    failNext: (status, count = 1) => failures.push(status, count),
    expireTokens: () => tokens.clear(),
    tokensIssued: () => issued,
    approve(orderId) {
      const o = order(orderId);
      if (o.status === "PAYER_ACTION_REQUIRED") o.status = "APPROVED";
    },
    ordersUnder: (requestId) => under.get(requestId) ?? 0,
    captureOf: (orderId) => order(orderId).captures[0]!.id,
    captureCompletedEvent(orderId, eventId, now) {
      const c = order(orderId).captures[0]!;
      return signed("PAYMENT.CAPTURE.COMPLETED", "capture", captureJson(c, true), eventId, now);
    },
    refundedEvent(orderId, eventId, refundedMinor, now) {
      const c = order(orderId).captures[0]!;
      const body = refundJson({ ...c, refunded: refundedMinor }, paypalId(), refundedMinor);
      return signed("PAYMENT.CAPTURE.REFUNDED", "refund", body, eventId, now);
    },
    close: () => server.close(),
  };
}
