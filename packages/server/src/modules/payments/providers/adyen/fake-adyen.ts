import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { WebhookRequest } from "../../provider.js";
import { adyenItemSignature, type NotificationItem } from "./webhooks.js";

/*
 * A local Adyen Checkout v71 for the adapter's tests (shapes from Adyen/adyen-openapi
 * CheckoutService-v71.json and docs.adyen.com): /payments, /payments/details, and the
 * asynchronous modifications /payments/{psp}/captures|cancels|refunds, which answer 201
 * `received` and decide at once what the later webhook will say. Idempotency as Adyen documents
 * it: a known Idempotency-Key gets the first answer back, whatever the body. Stored payment
 * method ids such as `ok` or `stolen` exist only here (Adyen's own test triggers are card numbers and holder names).
 */

type Refusal = { code: string; reason: string; raw?: string; mac?: string };
type Behaviour = { kind: "ok" } | { kind: "refuse"; refusal: Refusal } | { kind: "3ds" } | { kind: "hang" };

export const ADYEN_TEST_METHODS: Record<string, Behaviour> = {
  ok: { kind: "ok" },
  not_enough_balance: {
    kind: "refuse",
    refusal: { code: "12", reason: "Not enough balance", raw: "51 : Insufficient funds" },
  },
  refused: { kind: "refuse", refusal: { code: "2", reason: "Refused", raw: "05 : Do not honor" } },
  stolen: { kind: "refuse", refusal: { code: "5", reason: "Blocked Card", raw: "43 : Stolen card, pick up" } },
  issuer_unavailable: {
    kind: "refuse",
    refusal: { code: "9", reason: "Issuer Unavailable", raw: "91 : Issuer or switch inoperative" },
  },
  mastercard_mac03: {
    kind: "refuse",
    refusal: { code: "2", reason: "Refused", raw: "05 : Do not honor", mac: "03: Do Not Try Again" },
  },
  mastercard_mac24: {
    kind: "refuse",
    refusal: {
      code: "12",
      reason: "Not enough balance",
      raw: "51 : Insufficient funds",
      mac: "24: Retry after 1 hour",
    },
  },
  "3ds": { kind: "3ds" },
  timeout: { kind: "hang" },
};

/** Adyen's test card numbers, sent unencrypted as `test_<number>` in the test environment. */
const TEST_CARDS: Record<string, { brand: string }> = {
  "4111111111111111": { brand: "visa" },
  "5555555555554444": { brand: "mc" },
};

interface Payment {
  psp: string;
  value: number;
  currency: string;
  reference: string;
  manual: boolean;
  state: "authorised" | "refused" | "action";
  captured: number;
  refunded: number;
  cancelled: boolean;
}

type Json = Record<string, unknown>;
const psp = () =>
  String(BigInt(`0x${randomBytes(7).toString("hex")}`))
    .padStart(16, "0")
    .slice(0, 16);

export interface FakeAdyen {
  url: string;
  apiKey: string;
  hmacKey: string;
  merchantAccount: string;
  webhookAuth: { username: string; password: string };
  failNext(status: 429 | 500, count?: number): void;
  /** The shopper completes the issuer's page; returns what the redirect carries back. */
  completeRedirect(pspReference: string): Record<string, string>;
  /** The standard webhook Adyen sends for a modification (or a payment), signed and authenticated. */
  notificationFor(pspReference: string): WebhookRequest;
  paymentsUnder(reference: string): number;
  /** A REFUND notification about a payment, with `modificationPsp` as the refund's PSP reference. */
  refundNotification(paymentPsp: string, modificationPsp: string): WebhookRequest;
  /** Every modification webhook (capture, cancel, refund) Adyen has to send about a payment, in order. */
  modificationNotifications(paymentPsp: string): WebhookRequest[];
  /** Adyen's books of a payment: what it captured and refunded. */
  books(paymentPsp: string): { captured: number; refunded: number };
  /** What the last /payments request carried (checks the adapter's shopperInteraction etc.). */
  lastPayment(): Json | undefined;
  close(): Promise<void>;
}

export async function startFakeAdyen(): Promise<FakeAdyen> {
  const apiKey = `AQE${randomBytes(16).toString("hex")}`;
  const hmacKey = randomBytes(32).toString("hex").toUpperCase();
  const merchantAccount = "TesseraECOM";
  const webhookAuth = { username: "adyen-hooks", password: randomBytes(8).toString("hex") };
  const payments = new Map<string, Payment>();
  const stored = new Map<string, { brand: string; last4: string; par: string }>();
  const notifications = new Map<string, NotificationItem>();
  const saved = new Map<string, { status: number; body: string }>();
  const perReference = new Map<string, number>();
  const redirects = new Map<string, string>();
  const failures: number[] = [];
  const sockets = new Set<Socket>();
  let last: Json | undefined;

  const err = (status: number, errorCode: string, message: string, errorType = "validation") => ({
    status,
    body: { status, errorCode, message, errorType },
  });

  function notify(
    eventCode: string,
    p: Payment,
    modPsp: string | undefined,
    value: number,
    success: boolean,
    reason?: string,
  ) {
    const item: NotificationItem = {
      eventCode,
      success: success ? "true" : "false",
      pspReference: modPsp ?? p.psp,
      ...(modPsp && { originalReference: p.psp }),
      merchantAccountCode: merchantAccount,
      merchantReference: p.reference,
      amount: { value, currency: p.currency },
      eventDate: new Date().toISOString(),
      ...(reason && { reason }),
    };
    notifications.set(item.pspReference, item);
  }

  function pay(b: Json): { status: number; body: Json } | "hang" {
    last = b;
    if (b.merchantAccount !== merchantAccount) return err(403, "901", "Invalid Merchant Account", "security");
    const amount = b.amount as { value?: number; currency?: string } | undefined;
    if (!amount || !Number.isInteger(amount.value) || !amount.currency)
      return err(422, "100", "Required field 'amount' is not provided.");
    const pm = (b.paymentMethod ?? {}) as Record<string, string>;
    const reference = String(b.reference ?? "");
    perReference.set(reference, (perReference.get(reference) ?? 0) + 1);
    let behaviour: Behaviour | undefined;
    let card: { brand: string; last4: string; par: string } | undefined;
    if (pm.storedPaymentMethodId) {
      const vaulted = stored.get(pm.storedPaymentMethodId);
      behaviour = vaulted ? { kind: "ok" } : ADYEN_TEST_METHODS[pm.storedPaymentMethodId];
      if (!behaviour) return err(422, "803", "PaymentDetail not found");
    } else {
      const number = /^test_(\d+)$/.exec(pm.encryptedCardNumber ?? "")?.[1];
      const known = number ? TEST_CARDS[number] : undefined;
      if (!number || !known) return err(422, "101", "Invalid card number");
      card = {
        brand: known.brand,
        last4: number.slice(-4),
        par: `V0${createHash("sha256").update(number).digest("hex").slice(0, 27).toUpperCase()}`,
      };
      behaviour = { kind: "ok" };
    }
    const p: Payment = {
      psp: psp(),
      value: amount.value!,
      currency: amount.currency,
      reference,
      manual: (b.additionalData as Record<string, string> | undefined)?.manualCapture === "true",
      state: "authorised",
      captured: 0,
      refunded: 0,
      cancelled: false,
    };
    payments.set(p.psp, p);
    const base = {
      pspReference: p.psp,
      merchantReference: reference,
      amount: { value: p.value, currency: p.currency },
    };
    if (behaviour.kind === "refuse") {
      p.state = "refused";
      const r = behaviour.refusal;
      notify("AUTHORISATION", p, undefined, p.value, false, r.reason);
      return {
        status: 200,
        body: {
          ...base,
          resultCode: "Refused",
          refusalReason: r.reason,
          refusalReasonCode: r.code,
          additionalData: { ...(r.raw && { refusalReasonRaw: r.raw }), ...(r.mac && { merchantAdviceCode: r.mac }) },
        },
      };
    }
    if (behaviour.kind === "3ds") {
      if (b.shopperInteraction === "ContAuth") {
        p.state = "refused";
        return {
          status: 200,
          body: { ...base, resultCode: "Refused", refusalReason: "Authentication required", refusalReasonCode: "38" },
        };
      }
      p.state = "action";
      return {
        status: 200,
        body: {
          ...base,
          resultCode: "RedirectShopper",
          action: {
            type: "redirect",
            method: "GET",
            paymentMethodType: "scheme",
            url: `${server.url}/_fake/3ds/${p.psp}`,
          },
        },
      };
    }
    if (!p.manual) p.captured = p.value;
    notify("AUTHORISATION", p, undefined, p.value, true);
    if (card && b.storePaymentMethod === true) {
      const id = randomBytes(8).toString("hex").toUpperCase();
      stored.set(id, card);
      return {
        status: 200,
        body: {
          ...base,
          resultCode: "Authorised",
          paymentMethod: { brand: card.brand, type: "scheme" },
          additionalData: {
            cardSummary: card.last4,
            expiryDate: "3/2030",
            paymentAccountReference: card.par,
            "tokenization.storedPaymentMethodId": id,
            "tokenization.shopperReference": String(b.shopperReference ?? ""),
            "recurring.recurringDetailReference": id,
          },
        },
      };
    }
    return behaviour.kind === "hang"
      ? "hang"
      : { status: 200, body: { ...base, resultCode: "Authorised", additionalData: {} } };
  }

  function details(b: Json): { status: number; body: Json } {
    const redirectResult = (b.details as Record<string, string> | undefined)?.redirectResult ?? "";
    const p = payments.get(redirects.get(redirectResult) ?? "");
    if (!p) return err(422, "101", "Invalid redirectResult");
    if (p.state === "action") {
      p.state = "authorised";
      if (!p.manual) p.captured = p.value;
      notify("AUTHORISATION", p, undefined, p.value, true);
    }
    return {
      status: 200,
      body: {
        pspReference: p.psp,
        resultCode: "Authorised",
        merchantReference: p.reference,
        amount: { value: p.value, currency: p.currency },
      },
    };
  }

  function modify(
    kind: "captures" | "cancels" | "refunds",
    p: Payment | undefined,
    b: Json,
  ): { status: number; body: Json } {
    if (b.merchantAccount !== merchantAccount) return err(403, "901", "Invalid Merchant Account", "security");
    if (!p) return err(422, "167", "Original pspReference required for this operation");
    const amount = b.amount as { value: number; currency: string } | undefined;
    if (kind !== "cancels" && (!amount || amount.currency !== p.currency))
      return err(422, "137", "Invalid amount specified");
    const mod = psp();
    const value = amount?.value ?? p.value;
    const ok = p.state === "authorised" && !p.cancelled;
    // Adyen's accounting decides now; the merchant hears it in the webhook.
    if (kind === "captures") {
      const success = ok && p.manual && p.captured === 0 && value <= p.value;
      if (success) p.captured = value;
      notify("CAPTURE", p, mod, value, success, success ? undefined : "Insufficient balance on payment");
    } else if (kind === "cancels") {
      const success = ok && p.captured === 0;
      if (success) p.cancelled = true;
      notify("CANCELLATION", p, mod, p.value, success, success ? undefined : "Payment already captured");
    } else {
      const success = ok && value <= p.captured - p.refunded;
      if (success) p.refunded += value;
      notify("REFUND", p, mod, value, success, success ? undefined : "Insufficient balance on payment");
    }
    return {
      status: 201,
      body: {
        merchantAccount,
        paymentPspReference: p.psp,
        pspReference: mod,
        reference: b.reference,
        status: "received",
        ...(amount && { amount }),
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", pspreference: psp(), ...headers });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    if (path.startsWith("/_fake/3ds/")) {
      const token = `Ab02b4c0!${randomBytes(12).toString("base64")}`;
      redirects.set(token, path.slice("/_fake/3ds/".length));
      return send(200, { redirectResult: token });
    }
    if (req.headers["x-api-key"] !== apiKey)
      return send(401, err(401, "000", "HTTP Status Response - Unauthorized", "security").body);
    const forced = failures.shift();
    if (forced === 429) return send(429, err(429, "429", "Too Many Requests", "validation").body);
    if (forced === 500) return send(500, err(500, "905", "Internal error", "internal").body);
    const key = req.headers["idempotency-key"];
    if (typeof key === "string" && key.length > 64)
      return send(422, err(422, "000", "Idempotency key longer than 64 characters").body);
    if (typeof key === "string") {
      const before = saved.get(key);
      if (before) return send(before.status, before.body, { "idempotency-key": key });
    }
    const b = (raw ? JSON.parse(raw) : {}) as Json;
    const m = /^\/v71\/payments\/([^/]+)\/(captures|cancels|refunds)$/.exec(path);
    const result =
      req.method !== "POST"
        ? err(405, "000", "Method not allowed")
        : path === "/v71/payments"
          ? pay(b)
          : path === "/v71/payments/details"
            ? details(b)
            : m
              ? modify(m[2] as "captures", payments.get(m[1]!), b)
              : err(404, "000", "Not found");
    if (result === "hang") return; // authorised; the answer never comes
    const body = JSON.stringify(result.body);
    // Validation errors are not kept under the key: the request was not processed.
    if (typeof key === "string" && result.status < 400) saved.set(key, { status: result.status, body });
    send(result.status, body, typeof key === "string" ? { "idempotency-key": key } : {});
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((e) => res.writeHead(500).end(String(e)));
  });
  http.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const server: FakeAdyen = {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    apiKey,
    hmacKey,
    merchantAccount,
    webhookAuth,
    failNext(status, count = 1) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    completeRedirect(pspReference) {
      const token = `Ab02b4c0!${randomBytes(12).toString("base64")}`;
      redirects.set(token, pspReference);
      return { redirectResult: token };
    },
    notificationFor(pspReference) {
      const item = notifications.get(pspReference);
      if (!item) throw new Error(`fake adyen: no notification for ${pspReference}`);
      const signed = {
        ...item,
        additionalData: { ...item.additionalData, hmacSignature: adyenItemSignature(hmacKey, item) },
      };
      const body = JSON.stringify({ live: "false", notificationItems: [{ NotificationRequestItem: signed }] });
      const basic = Buffer.from(`${webhookAuth.username}:${webhookAuth.password}`).toString("base64");
      return { headers: { authorization: `Basic ${basic}`, "content-type": "application/json" }, body };
    },
    paymentsUnder: (reference) => perReference.get(reference) ?? 0,
    refundNotification(paymentPsp, modificationPsp) {
      const p = payments.get(paymentPsp);
      if (!p) throw new Error(`fake adyen: no payment ${paymentPsp}`);
      notify("REFUND", p, modificationPsp, p.value, true);
      return server.notificationFor(modificationPsp);
    },
    modificationNotifications(paymentPsp) {
      return [...notifications.values()]
        .filter((n) => n.originalReference === paymentPsp)
        .map((n) => server.notificationFor(n.pspReference));
    },
    books(paymentPsp) {
      const p = payments.get(paymentPsp);
      if (!p) throw new Error(`fake adyen: no payment ${paymentPsp}`);
      return { captured: p.captured, refunded: p.refunded };
    },
    lastPayment: () => last,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return server;
}
