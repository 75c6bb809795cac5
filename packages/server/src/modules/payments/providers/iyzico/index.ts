import {
  type Capabilities,
  type ChargeRequest,
  IdempotencyMismatchError,
  type OperationOutcome,
  type PaymentOutcome,
  type PaymentProvider,
  type ProviderContext,
  type ProviderDeps,
  type SavePaymentMethodOutcome,
} from "../../provider.js";
import { boundedKey, type Exchange, stringSetting } from "../http.js";
import { noAnswer } from "../outcomes.js";
import {
  callIyzico,
  cardTokenOf,
  type IyzicoCardDetail,
  type IyzicoReport,
  type IyzicoReportedPayment,
  iyzicoPrice,
  storedCardOf,
} from "./api.js";
import { iyzicoBuyer } from "./buyer.js";
import { minorOf, operationAnswer, paid, paymentAnswer, read, refusedOperation, reportedOutcome } from "./outcomes.js";
import { readIyzicoWebhook } from "./webhooks.js";

/*
 * iyzico (docs.iyzico.com; request shapes of iyzico/iyzipay-node) over the injected fetch.
 * Settings: `api_base` (default the sandbox, https://sandbox-api.iyzipay.com; live
 * https://api.iyzipay.com), `timeout_ms`, `callback_url` (where the bank returns the customer after
 * 3-D Secure; a charge's `returnUrl` wins), `merchant_ip` (the IP reported when the customer is not
 * present); credentials `api_key`, `secret_key` (also the webhooks' signing key).
 *
 * Stored cards: a card stored at iyzico is a `cardUserKey` + `cardToken` pair, charged with
 * `paymentCard: { cardUserKey, cardToken }`. Charges need the buyer's identity (see buyer.ts).
 *
 * Idempotency: iyzico has none. Our key is the payment's `conversationId` (and a refund's), and
 * every money-moving call first asks the reporting service (GET /v2/reporting/payment/details)
 * what already happened under it: a payment under the key is answered, not charged again; a refund
 * whose `refundConversationId` is the key is answered, not sent again. So a refund whose answer was
 * lost is re-sent only after iyzico says it has no refund under its key. Two calls with one key at
 * the same instant could both miss the lookup; the payments service never runs one key twice at once.
 */

export const IYZICO_CAPABILITIES: Capabilities = {
  separateCapture: true,
  // /payment/postauth completes a pre-authorization for its amount; less is not documented.
  partialCapture: false,
  void: true,
  partialRefund: true,
  multipleRefunds: true,
  customerActions: true,
  vaulting: true,
  asynchronousSettlement: false,
  webhooks: true,
  buyerIdentity: true,
};

/** iyzico's conversationId limit is not documented; keys are kept to 64 characters like Adyen's. */
const KEY_LIMIT = 64;

const BRANDS: Record<string, string> = {
  VISA: "visa",
  MASTER_CARD: "mastercard",
  AMERICAN_EXPRESS: "amex",
  TROY: "troy",
};

export function iyzicoProvider(deps: ProviderDeps, name = "iyzico"): PaymentProvider {
  const post = (ctx: ProviderContext, path: string, body: Record<string, unknown>) =>
    callIyzico(deps.fetch, ctx, path, { locale: "en", ...body });

  /** The payments iyzico reports under a key or for a payment id; an Exchange when it could not be asked. */
  async function report(
    ctx: ProviderContext,
    query: { paymentConversationId: string } | { paymentId: string },
  ): Promise<IyzicoReportedPayment[] | Exclude<ReturnType<typeof read>, { ok: unknown }>> {
    const x = await callIyzico(deps.fetch, ctx, "/v2/reporting/payment/details", { locale: "en", ...query }, "GET");
    const r = read<IyzicoReport>(x);
    if ("failed" in r) return r;
    // A failure answer for an unknown payment id: iyzico has no such payment.
    if (r.ok.status === "failure") return [];
    return r.ok.payments ?? [];
  }

  /** Of several payments under one key (a 3-D Secure session re-opened), the one that charged, else the last. */
  const settledFirst = (ps: IyzicoReportedPayment[]) => ps.find((p) => p.paymentStatus === 1) ?? ps[ps.length - 1];

  function checkSame(p: IyzicoReportedPayment, r: ChargeRequest): void {
    if (p.paidPrice !== undefined && p.currency && minorOf(p.paidPrice, r.currency, r.amount) !== r.amount)
      throw new IdempotencyMismatchError(
        `iyzico payment under ${r.idempotencyKey} is for ${p.paidPrice} ${p.currency}`,
      );
  }

  const declined = (code: string, message: string): PaymentOutcome => ({
    status: "hard_decline",
    reference: null,
    code,
    message,
    retry: { allowed: false },
    vendor: { code: null, raw: null },
  });

  async function pay(ctx: ProviderContext, r: ChargeRequest, preauth: boolean): Promise<PaymentOutcome> {
    const card = storedCardOf(r.paymentMethod);
    if (!card) return declined("payment_method_unknown", `${r.paymentMethod} is not an iyzico stored card`);
    const identity = iyzicoBuyer(r.buyer, stringSetting(ctx, "merchant_ip"));
    if ("missing" in identity)
      return declined("buyer_identity_incomplete", `iyzico requires the buyer's ${identity.missing.join(", ")}`);
    const key = boundedKey(r.idempotencyKey, KEY_LIMIT);
    const earlier = await report(ctx, { paymentConversationId: key });
    // The key could not be looked up: the charge itself was never sent, so failover stays safe.
    if (!Array.isArray(earlier))
      return earlier.failed.status === "unknown" ? { ...earlier.failed, sent: false } : earlier.failed;
    const found = settledFirst(earlier);
    if (found) checkSame(found, r);
    // A charged payment is answered again; a declined one moved no money and may be asked again;
    // a 3-D Secure session not completed is opened again (the bank's page is not reportable).
    if (found?.paymentStatus === 1) return paid(found);
    const price = iyzicoPrice(r.amount, r.currency);
    const callbackUrl = r.returnUrl ?? stringSetting(ctx, "callback_url");
    const threeDS = r.onSession === true && callbackUrl !== undefined;
    const body = {
      conversationId: key,
      price,
      paidPrice: price,
      currency: r.currency.toUpperCase(),
      installment: 1,
      basketId: key,
      paymentChannel: "WEB",
      paymentGroup: "SUBSCRIPTION",
      paymentCard: card,
      buyer: identity.buyer,
      billingAddress: identity.billingAddress,
      basketItems: [
        {
          id: r.customer,
          name: r.description ?? "Subscription",
          category1: "Subscription",
          itemType: "VIRTUAL",
          price,
        },
      ],
      ...(threeDS && { callbackUrl }),
    };
    const path = threeDS
      ? preauth
        ? "/payment/3dsecure/initialize/preauth"
        : "/payment/3dsecure/initialize"
      : preauth
        ? "/payment/preauth"
        : "/payment/auth";
    return paymentAnswer(await post(ctx, path, body));
  }

  /** The payment behind a reference, or the outcome saying why it cannot be acted on. */
  async function current(
    ctx: ProviderContext,
    reference: string,
  ): Promise<{ p: IyzicoReportedPayment } | { failed: OperationOutcome }> {
    const found = await report(ctx, { paymentId: reference });
    if (!Array.isArray(found)) {
      const f = found.failed;
      return { failed: f.status === "unknown" ? { ...f, sent: false, reference: null } : f };
    }
    const p = found[0];
    if (!p) return { failed: refusedOperation("not_found", `iyzico has no payment ${reference}`, null) };
    return { p };
  }

  const isCancelled = (p: IyzicoReportedPayment) => (p.cancels ?? []).some((c) => c.refundStatus !== 0);

  const provider: PaymentProvider = {
    name,
    capabilities: IYZICO_CAPABILITIES,
    charge: (ctx, r) => pay(ctx, r, false),
    authorize: (ctx, r) => pay(ctx, r, true),

    async confirm(ctx, r) {
      // Completed already (a replay of the confirm): answered from the report, not authed twice.
      const found = await report(ctx, { paymentId: r.reference });
      if (!Array.isArray(found))
        return found.failed.status === "unknown" ? { ...found.failed, sent: false } : found.failed;
      if (found[0]?.paymentStatus === 1) return paid(found[0]);
      return paymentAnswer(
        await post(ctx, "/payment/3dsecure/auth", {
          conversationId: boundedKey(r.idempotencyKey, KEY_LIMIT),
          paymentId: r.reference,
          ...(r.data.conversationData !== undefined && { conversationData: r.data.conversationData }),
        }),
      );
    },

    async capture(ctx, r) {
      const c = await current(ctx, r.reference);
      if ("failed" in c) return c.failed;
      const { p } = c;
      const currency = p.currency ?? r.currency ?? "TRY";
      const authorized = minorOf(p.paidPrice, currency, 0);
      const amount = r.amount ?? authorized;
      // Captured once: the same amount is this capture replayed, any other is refused.
      if (p.phase === "POST_AUTH" && p.paymentStatus === 1)
        return amount === authorized
          ? { status: "succeeded", reference: String(p.paymentId), amount, vendor: { code: "POST_AUTH", raw: null } }
          : refusedOperation("already_captured", `Payment ${r.reference} was captured already`, null);
      if (p.phase !== "PRE_AUTH" || p.paymentStatus !== 1 || isCancelled(p))
        return refusedOperation("not_authorized", `Payment ${r.reference} is not an open pre-authorization`, null);
      if (amount !== authorized)
        return refusedOperation(
          "amount_mismatch",
          `iyzico captures the whole pre-authorization (${authorized}), not ${amount}`,
          null,
        );
      const ip = stringSetting(ctx, "merchant_ip");
      const x = await post(ctx, "/payment/postauth", {
        conversationId: boundedKey(r.idempotencyKey, KEY_LIMIT),
        paymentId: r.reference,
        paidPrice: iyzicoPrice(amount, currency),
        currency,
        ...(ip && { ip }),
      });
      return operationAnswer(x, (b) => minorOf(b.paidPrice, currency, amount));
    },

    async void(ctx, r) {
      const c = await current(ctx, r.reference);
      if ("failed" in c) return c.failed;
      const { p } = c;
      const currency = p.currency ?? "TRY";
      const amount = minorOf(p.paidPrice, currency, 0);
      if (isCancelled(p))
        return {
          status: "succeeded",
          reference: String(p.paymentId),
          amount,
          vendor: { code: "CANCELLED", raw: null },
        };
      // /payment/cancel also reverses a same-day captured payment; a void releases only an authorization.
      if (p.phase !== "PRE_AUTH" || p.paymentStatus !== 1)
        return refusedOperation("not_authorized", `Payment ${r.reference} is not an open pre-authorization`, null);
      const ip = stringSetting(ctx, "merchant_ip");
      const x = await post(ctx, "/payment/cancel", {
        conversationId: boundedKey(r.idempotencyKey, KEY_LIMIT),
        paymentId: r.reference,
        reason: "other",
        ...(ip && { ip }),
      });
      return operationAnswer(x, (b) => minorOf(b.price, currency, amount));
    },

    async refund(ctx, r) {
      const key = boundedKey(r.idempotencyKey, KEY_LIMIT);
      const c = await current(ctx, r.reference);
      if ("failed" in c) return c.failed;
      // Refunds are not idempotent at iyzico: one already made under this key is answered, never re-sent.
      const earlier = (c.p.itemTransactions ?? [])
        .flatMap((t) => t.refunds ?? [])
        .find((f) => f.refundConversationId === key && f.refundStatus !== 0);
      if (earlier) {
        const amount = minorOf(earlier.refundPrice, r.currency, r.amount);
        if (amount !== r.amount)
          throw new IdempotencyMismatchError(`iyzico refund under ${r.idempotencyKey} was ${earlier.refundPrice}`);
        return {
          status: "succeeded",
          reference: String(earlier.refundTxId ?? c.p.paymentId),
          amount,
          vendor: {
            code: "REFUNDED",
            raw: JSON.stringify({ refundTxId: earlier.refundTxId, refundPrice: earlier.refundPrice }),
          },
        };
      }
      const ip = stringSetting(ctx, "merchant_ip");
      const x = await post(ctx, "/v2/payment/refund", {
        conversationId: key,
        paymentId: r.reference,
        price: iyzicoPrice(r.amount, r.currency),
        currency: r.currency.toUpperCase(),
        ...(ip && { ip }),
      });
      const o = operationAnswer(x, (b) => minorOf(b.price, r.currency, r.amount));
      // The same summary as a replay's, so both answer alike.
      if (o.status !== "succeeded") return o;
      const again = await current(ctx, r.reference);
      const made =
        "p" in again
          ? (again.p.itemTransactions ?? []).flatMap((t) => t.refunds ?? []).find((f) => f.refundConversationId === key)
          : undefined;
      return made
        ? {
            ...o,
            reference: String(made.refundTxId ?? o.reference),
            vendor: {
              code: "REFUNDED",
              raw: JSON.stringify({ refundTxId: made.refundTxId, refundPrice: made.refundPrice }),
            },
          }
        : o;
    },

    async retrieve(ctx, r) {
      const found = r.reference
        ? await report(ctx, { paymentId: r.reference })
        : await report(ctx, { paymentConversationId: boundedKey(r.idempotencyKey, KEY_LIMIT) });
      if (!Array.isArray(found)) return found.failed;
      const p = settledFirst(found);
      if (!p) return { status: "not_found", reference: null, vendor: { code: "NOT_FOUND", raw: null } };
      return reportedOutcome(p);
    },

    async savePaymentMethod(ctx, r): Promise<SavePaymentMethodOutcome> {
      const card = storedCardOf(r.token);
      if (!card)
        return {
          status: "refused",
          code: "invalid_token",
          message: "an iyzico card is given as cardUserKey:cardToken (from card storage or the checkout form)",
          vendor: { code: null, raw: null },
        };
      const x: Exchange = await post(ctx, "/cardstorage/cards", {
        conversationId: boundedKey(r.idempotencyKey, KEY_LIMIT),
        cardUserKey: card.cardUserKey,
      });
      const a = read<{
        status?: "success" | "failure";
        cardDetails?: IyzicoCardDetail[];
        errorCode?: string;
        errorMessage?: string;
      }>(x);
      if ("failed" in a) {
        const f = a.failed.status === "unknown" ? noAnswer({ kind: "not_sent", message: a.failed.message }) : a.failed;
        return { status: "error", code: f.vendor.code ?? "unavailable", message: f.message, vendor: f.vendor };
      }
      const stored =
        a.ok.status === "success" ? a.ok.cardDetails?.find((d) => d.cardToken === card.cardToken) : undefined;
      if (!stored) {
        const code = a.ok.errorCode ?? "card_not_found";
        return {
          status: "refused",
          code,
          message: a.ok.errorMessage ?? "iyzico has no such stored card for this card user",
          vendor: { code, raw: a.raw.slice(0, 500) },
        };
      }
      return {
        status: "saved",
        method: {
          token: cardTokenOf(card),
          brand: stored.cardAssociation
            ? (BRANDS[stored.cardAssociation] ?? stored.cardAssociation.toLowerCase())
            : null,
          last4: stored.lastFourDigits ?? null,
          // iyzico's card list reports neither the expiry nor a card fingerprint.
          expMonth: null,
          expYear: null,
          fingerprint: null,
        },
        vendor: { code: "STORED", raw: JSON.stringify({ cardToken: stored.cardToken, binNumber: stored.binNumber }) },
      };
    },

    handleWebhook: async (ctx, request) =>
      readIyzicoWebhook((await ctx.credentials()).secret_key, request, ctx.scope.clock.now()),
  };
  return provider;
}
