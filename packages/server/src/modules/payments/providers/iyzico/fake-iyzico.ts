import { randomBytes } from "node:crypto";
import type { WebhookRequest } from "../../provider.js";
import { fromDecimalString, toDecimalString } from "../currency.js";
import { type FakeAnswer, type FakeRequest, ForcedFailures, startFakeServer } from "../fake-server.js";
import { iyzicoAuthorization } from "./api.js";
import { iyzicoWebhookSignature } from "./webhooks.js";

/*
 * A local iyzico for the adapter's tests, answering in the shapes of docs.iyzico.com and the
 * iyzipay SDKs: /payment/auth, /payment/preauth, /payment/postauth, /payment/cancel,
 * /v2/payment/refund, /payment/3dsecure/initialize(/preauth) and /payment/3dsecure/auth,
 * /cardstorage/cards and GET /v2/reporting/payment/details (payments with their cancels and
 * per-transaction refunds, as iyzipay-java's PaymentDetail / RefundTxDetail). Every request's
 * IYZWSv2 header is checked. Stored cards behave by their cardToken (the `FAKE_*` tokens exist only
 * here); bank declines answer iyzico's bank error codes. iyzico has no idempotency: like the real
 * one, this fake charges again whatever it is sent again.
 */

type Behaviour = { kind: "ok" } | { kind: "decline"; code: string; group: string; message: string } | { kind: "hang" };

export const IYZICO_CARD_USER = "fakeCardUserKey+1/tessera=";
const card = (token: string) => `${IYZICO_CARD_USER}:${token}`;

export const IYZICO_TEST_CARDS: Record<string, Behaviour> = {
  "FAKE+ok/card=": { kind: "ok" },
  FAKEnotsufficientfunds: {
    kind: "decline",
    code: "10051",
    group: "NOT_SUFFICIENT_FUNDS",
    message: "Kart limiti yetersiz",
  },
  FAKEstolencard: { kind: "decline", code: "10043", group: "STOLEN_CARD", message: "Çalıntı kart" },
  FAKEtimeout: { kind: "hang" },
};
/** iyzico's own `cardUserKey:cardToken` pair for a test card. */
export const iyzicoTestCard = (token: keyof typeof IYZICO_TEST_CARDS) => card(token);

/** The request fields the fake reads (iyzipay-node's request models). */
interface Body {
  conversationId?: string;
  paymentId?: string;
  price?: string;
  paidPrice?: string;
  currency?: string;
  conversationData?: string;
  cardUserKey?: string;
  paymentCard?: { cardUserKey?: string; cardToken?: string };
  buyer?: { identityNumber?: string; email?: string };
  billingAddress?: { address?: string };
}

interface Refund {
  refundTxId: number;
  refundConversationId: string;
  amount: number;
}
interface Payment {
  paymentId: string;
  conversationId: string;
  amount: number;
  currency: string;
  phase: "AUTH" | "PRE_AUTH" | "POST_AUTH";
  /** FAILURE(0), SUCCESS(1), INIT_THREEDS(2), CALLBACK_THREEDS(3). */
  status: 0 | 1 | 2 | 3;
  cancelled: string | null;
  refunds: Refund[];
  conversationData: string | null;
}

export interface FakeIyzico {
  url: string;
  apiKey: string;
  secretKey: string;
  failNext(status: 429 | 500, count?: number): void;
  /** The customer passes the bank's 3-D Secure page: what iyzico posts to the callback URL. */
  completeThreeDS(paymentId: string): Record<string, string>;
  /** A signed direct-format notification about a payment. */
  notification(paymentId: string, eventId: string, status?: "SUCCESS" | "FAILURE"): WebhookRequest;
  paymentsUnder(conversationId: string): number;
  refundsOf(paymentId: string): number;
  /** Requests by path, to prove what was (not) sent. */
  calls(path: string): number;
  close(): Promise<void>;
}

const ERRORS = {
  signature: { errorCode: "1000", errorMessage: "Invalid signature", errorGroup: "SYSTEM" },
  notFound: { errorCode: "5115", errorMessage: "Payment not found", errorGroup: "NOT_FOUND" },
  // The fake's own codes for refusals whose real codes are not documented.
  invalidState: {
    errorCode: "5093",
    errorMessage: "Payment is not in a state for this operation",
    errorGroup: "INVALID",
  },
  overRefund: { errorCode: "5082", errorMessage: "Refund price exceeds the refundable amount", errorGroup: "INVALID" },
  cardNotFound: { errorCode: "5201", errorMessage: "Card not found", errorGroup: "NOT_FOUND" },
};

export async function startFakeIyzico(): Promise<FakeIyzico> {
  const apiKey = `sandbox-${randomBytes(6).toString("hex")}`;
  const secretKey = `sandbox-${randomBytes(12).toString("hex")}`;
  const payments = new Map<string, Payment>();
  const forced = new ForcedFailures();
  const counts = new Map<string, number>();
  let nextId = 22_416_035;
  let nextRefund = 30_100_000;
  const num = (amount: number, currency: string) => Number(toDecimalString(amount, currency));
  const base = (conversationId: unknown) => ({
    status: "success",
    locale: "en",
    systemTime: 1_764_000_000_000,
    ...(conversationId !== undefined && { conversationId }),
  });
  const fail = (
    e: (typeof ERRORS)[keyof typeof ERRORS] | { errorCode: string; errorGroup: string; errorMessage: string },
    conversationId?: unknown,
  ): FakeAnswer => ({
    status: 200,
    body: { ...base(conversationId), status: "failure", ...e },
  });
  const paymentBody = (p: Payment) => ({
    ...base(p.conversationId),
    price: num(p.amount, p.currency),
    paidPrice: num(p.amount, p.currency),
    installment: 1,
    paymentId: p.paymentId,
    fraudStatus: 1,
    cardType: "CREDIT_CARD",
    cardAssociation: "MASTER_CARD",
    binNumber: "552879",
    lastFourDigits: "0008",
    basketId: p.conversationId,
    currency: p.currency,
    phase: p.phase,
    itemTransactions: [{ itemId: "subscription", paymentTransactionId: `${p.paymentId}1`, transactionStatus: 2 }],
  });
  const reported = (p: Payment) => ({
    paymentId: Number(p.paymentId),
    paymentStatus: p.status,
    paymentRefundStatus:
      p.refunds.length === 0
        ? "NOT_REFUNDED"
        : p.refunds.reduce((a, r) => a + r.amount, 0) === p.amount
          ? "TOTALLY_REFUNDED"
          : "PARTIALLY_REFUNDED",
    price: num(p.amount, p.currency),
    paidPrice: num(p.amount, p.currency),
    installment: 1,
    paymentConversationId: p.conversationId,
    fraudStatus: 1,
    currency: p.currency,
    phase: p.phase,
    threeDS: p.conversationData !== null,
    cancels: p.cancelled
      ? [{ cancelConversationId: p.cancelled, refundPrice: num(p.amount, p.currency), refundStatus: 1 }]
      : [],
    itemTransactions: [
      {
        paymentTransactionId: Number(`${p.paymentId}1`),
        transactionStatus: 2,
        price: num(p.amount, p.currency),
        paidPrice: num(p.amount, p.currency),
        refunds: p.refunds.map((r) => ({
          refundTxId: r.refundTxId,
          refundConversationId: r.refundConversationId,
          refundPrice: num(r.amount, p.currency),
          refundStatus: 1,
          currencyCode: p.currency,
        })),
      },
    ],
  });

  function signed(req: FakeRequest): boolean {
    const header = String(req.headers.authorization ?? "");
    const rnd = String(req.headers["x-iyzi-rnd"] ?? "");
    const body = req.method === "GET" ? "{}" : req.body;
    return header === iyzicoAuthorization(apiKey, secretKey, rnd, req.path, body);
  }

  function pay(b: Body, phase: "AUTH" | "PRE_AUTH", threeDS: boolean): FakeAnswer | "hang" {
    const token = b.paymentCard?.cardToken ?? "";
    const behaviour = b.paymentCard?.cardUserKey === IYZICO_CARD_USER ? IYZICO_TEST_CARDS[token] : undefined;
    if (!behaviour) return fail(ERRORS.cardNotFound, b.conversationId);
    if (!b.buyer?.identityNumber || !b.buyer?.email || !b.billingAddress?.address)
      return fail(
        { errorCode: "11", errorGroup: "INVALID_REQUEST", errorMessage: "Buyer is required" },
        b.conversationId,
      );
    const p: Payment = {
      paymentId: String(nextId++),
      conversationId: b.conversationId ?? "",
      amount: fromDecimalString(b.paidPrice ?? "", b.currency ?? ""),
      currency: b.currency ?? "",
      phase,
      status: 1,
      cancelled: null,
      refunds: [],
      conversationData: null,
    };
    payments.set(p.paymentId, p);
    if (threeDS) {
      p.status = 2;
      p.conversationData = randomBytes(8).toString("hex");
      const html = `<form action="${url}/_fake/3ds/${p.paymentId}" method="post"></form>`;
      return {
        status: 200,
        body: {
          ...base(b.conversationId),
          threeDSHtmlContent: Buffer.from(html).toString("base64"),
          paymentId: p.paymentId,
          signature: "fake",
        },
      };
    }
    if (behaviour.kind === "decline") {
      p.status = 0;
      return fail(
        { errorCode: behaviour.code, errorGroup: behaviour.group, errorMessage: behaviour.message },
        b.conversationId,
      );
    }
    if (behaviour.kind === "hang") return "hang";
    return { status: 200, body: paymentBody(p) };
  }

  const server = await startFakeServer((req) => {
    counts.set(req.path, (counts.get(req.path) ?? 0) + 1);
    const status = forced.next();
    if (status) return { status, body: { status: "failure", errorCode: String(status), errorMessage: "forced" } };
    if (!signed(req)) return fail(ERRORS.signature);
    if (req.method === "GET" && req.path === "/v2/reporting/payment/details") {
      const byId = req.query.get("paymentId");
      const byKey = req.query.get("paymentConversationId");
      const found = [...payments.values()].filter((p) => (byId ? p.paymentId === byId : p.conversationId === byKey));
      if (byId && found.length === 0) return fail(ERRORS.notFound);
      return { status: 200, body: { ...base(undefined), payments: found.map(reported) } };
    }
    const b = JSON.parse(req.body || "{}") as Body;
    const p = b.paymentId ? payments.get(String(b.paymentId)) : undefined;
    switch (req.path) {
      case "/payment/auth":
        return pay(b, "AUTH", false);
      case "/payment/preauth":
        return pay(b, "PRE_AUTH", false);
      case "/payment/3dsecure/initialize":
        return pay(b, "AUTH", true);
      case "/payment/3dsecure/initialize/preauth":
        return pay(b, "PRE_AUTH", true);
      case "/payment/3dsecure/auth": {
        if (!p) return fail(ERRORS.notFound, b.conversationId);
        if (p.status !== 3 || b.conversationData !== p.conversationData)
          return fail(
            { errorCode: "10210", errorGroup: "INVALID_CAVV", errorMessage: "3-D Secure not verified" },
            b.conversationId,
          );
        p.status = 1;
        return { status: 200, body: paymentBody(p) };
      }
      case "/payment/postauth": {
        if (!p) return fail(ERRORS.notFound, b.conversationId);
        if (p.phase !== "PRE_AUTH" || p.status !== 1 || p.cancelled) return fail(ERRORS.invalidState, b.conversationId);
        if (fromDecimalString(b.paidPrice ?? "", p.currency) !== p.amount)
          return fail(ERRORS.invalidState, b.conversationId);
        p.phase = "POST_AUTH";
        return { status: 200, body: paymentBody(p) };
      }
      case "/payment/cancel": {
        if (!p) return fail(ERRORS.notFound, b.conversationId);
        if (p.status !== 1 || p.cancelled || p.refunds.length) return fail(ERRORS.invalidState, b.conversationId);
        p.cancelled = b.conversationId ?? "";
        return {
          status: 200,
          body: {
            ...base(b.conversationId),
            paymentId: p.paymentId,
            price: num(p.amount, p.currency),
            currency: p.currency,
            authCode: "581421",
            hostReference: "mock00007iyzihostrfn",
          },
        };
      }
      case "/v2/payment/refund": {
        if (!p) return fail(ERRORS.notFound, b.conversationId);
        if (p.status !== 1 || p.phase === "PRE_AUTH" || p.cancelled) return fail(ERRORS.invalidState, b.conversationId);
        const amount = fromDecimalString(b.price ?? "", p.currency);
        const left = p.amount - p.refunds.reduce((a, r) => a + r.amount, 0);
        if (amount > left) return fail(ERRORS.overRefund, b.conversationId);
        p.refunds.push({ refundTxId: nextRefund++, refundConversationId: b.conversationId ?? "", amount });
        return {
          status: 200,
          body: {
            ...base(b.conversationId),
            paymentId: p.paymentId,
            price: num(amount, p.currency),
            currency: p.currency,
            authCode: "581421",
            hostReference: "mock00007iyzihostrfn",
            refundHostReference: "mock00007iyzihostrfn",
            retryable: false,
            signature: "fake",
          },
        };
      }
      case "/cardstorage/cards": {
        if (b.cardUserKey !== IYZICO_CARD_USER) return fail(ERRORS.cardNotFound, b.conversationId);
        return {
          status: 200,
          body: {
            ...base(b.conversationId),
            cardUserKey: IYZICO_CARD_USER,
            cardDetails: Object.keys(IYZICO_TEST_CARDS).map((cardToken) => ({
              cardToken,
              cardAlias: "tessera test",
              binNumber: "552879",
              lastFourDigits: "0008",
              cardType: "CREDIT_CARD",
              cardAssociation: "MASTER_CARD",
              cardFamily: "Bonus",
              cardBankCode: 62,
              cardBankName: "Garanti Bankası",
            })),
          },
        };
      }
      default:
        return { status: 404, body: { status: "failure", errorCode: "404", errorMessage: "not found" } };
    }
  });
  const url = server.url;

  return {
    url,
    apiKey,
    secretKey,
    failNext: (status, count = 1) => forced.push(status, count),
    completeThreeDS(paymentId) {
      const p = payments.get(paymentId);
      if (!p || p.conversationData === null) throw new Error(`no 3-D Secure session for ${paymentId}`);
      p.status = 3;
      return {
        status: "success",
        paymentId,
        conversationData: p.conversationData,
        conversationId: p.conversationId,
        mdStatus: "1",
      };
    },
    notification(paymentId, eventId, status = "SUCCESS") {
      const p = payments.get(paymentId);
      const n = {
        paymentConversationId: p?.conversationId ?? "unknown",
        merchantId: 3397951,
        paymentId,
        status,
        iyziReferenceCode: eventId,
        iyziEventType: "API_AUTH",
        iyziEventTime: 1_764_000_000_000,
      };
      return {
        headers: { "x-iyz-signature-v3": iyzicoWebhookSignature(secretKey, n), "content-type": "application/json" },
        body: JSON.stringify(n),
      };
    },
    paymentsUnder: (conversationId) =>
      [...payments.values()].filter((p) => p.conversationId === conversationId && p.status === 1).length,
    refundsOf: (paymentId) => payments.get(paymentId)?.refunds.length ?? 0,
    calls: (path) => counts.get(path) ?? 0,
    close: server.close,
  };
}
