import {
  type Capabilities,
  type ChargeRequest,
  type PaymentProvider,
  type ProviderContext,
  type ProviderDeps,
  rawExcerpt,
  type SavePaymentMethodOutcome,
} from "../../provider.js";
import { toVendorUnits } from "../currency.js";
import { parseJson } from "../http.js";
import { type AdyenAmount, type AdyenPaymentResponse, callAdyen, merchantAccountOf } from "./api.js";
import { modificationAnswer, paymentAnswer, paymentResult } from "./outcomes.js";
import { verifyAdyenWebhook } from "./webhooks.js";

/*
 * Adyen Checkout v71 over the injected fetch. Settings: `api_base` (default the test endpoint;
 * live is https://<prefix>-checkout-live.adyenpayments.com/checkout), `timeout_ms`, `return_url`;
 * credentials: `api_key`, `merchant_account`, `hmac_key`, optionally `webhook_username`/`webhook_password`.
 *
 * Payment method tokens are Adyen storedPaymentMethodIds; vaulting takes the Drop-in/Components
 * `state.data.paymentMethod` (encrypted card fields) as a JSON string and stores it with a
 * zero-value authorisation. Captures, cancels and refunds answer `received`: they are `pending`
 * until the CAPTURE / CANCELLATION / REFUND webhook. Adyen has no payment lookup, so `retrieve`
 * cannot resolve a lost answer: the AUTHORISATION webhook (merchantReference = our key) does.
 */

/** Adyen's minor units follow ISO 4217 for the currencies we checked; add deviations here. */
export const ADYEN_EXPONENTS: Readonly<Record<string, number>> = {};

export const ADYEN_CAPABILITIES: Capabilities = {
  separateCapture: true,
  partialCapture: true,
  void: true,
  partialRefund: true,
  multipleRefunds: true,
  customerActions: true,
  vaulting: true,
  asynchronousSettlement: false,
  webhooks: true,
};

/**
 * Tessera's API takes payment method tokens as `pm_[A-Za-z0-9_]+`; Adyen's storedPaymentMethodIds
 * are alphanumeric, so the token is `pm_<storedPaymentMethodId>` and the prefix is dropped here.
 */
export const storedId = (token: string) => token.replace(/^pm_/, "");

const amountOf = (amount: number, currency: string): AdyenAmount => ({
  value: toVendorUnits(amount, currency, ADYEN_EXPONENTS),
  currency: currency.toUpperCase(),
});

export function adyenProvider(deps: ProviderDeps, name = "adyen"): PaymentProvider {
  const post = (ctx: ProviderContext, path: string, body: unknown, key: string) =>
    callAdyen(deps.fetch, ctx, path, body, key);
  const returnUrl = (ctx: ProviderContext, r: ChargeRequest) =>
    r.returnUrl ?? (ctx.config.return_url === undefined ? undefined : String(ctx.config.return_url));

  async function pay(ctx: ProviderContext, r: ChargeRequest, authorizeOnly: boolean) {
    const amount = amountOf(r.amount, r.currency);
    const body = {
      merchantAccount: await merchantAccountOf(ctx),
      // Our key as merchant reference: webhooks name the payment even when its answer was lost.
      reference: r.idempotencyKey,
      amount,
      paymentMethod: { type: "scheme", storedPaymentMethodId: storedId(r.paymentMethod) },
      shopperReference: r.customer,
      // Renewals are merchant-initiated (ContAuth); a present customer is Ecommerce and may do 3-D Secure.
      shopperInteraction: r.onSession === false ? "ContAuth" : "Ecommerce",
      recurringProcessingModel: "Subscription",
      returnUrl: returnUrl(ctx, r),
      ...(authorizeOnly && { additionalData: { manualCapture: "true" } }),
    };
    return paymentAnswer(await post(ctx, "/payments", body, r.idempotencyKey), amount, authorizeOnly);
  }

  async function modify(ctx: ProviderContext, path: string, key: string, amount?: AdyenAmount) {
    const body = { merchantAccount: await merchantAccountOf(ctx), reference: key, ...(amount && { amount }) };
    return modificationAnswer(await post(ctx, path, body, key), amount);
  }

  return {
    name,
    capabilities: ADYEN_CAPABILITIES,
    charge: (ctx, r) => pay(ctx, r, false),
    authorize: (ctx, r) => pay(ctx, r, true),

    async confirm(ctx, r) {
      const x = await post(ctx, "/payments/details", { details: r.data }, r.idempotencyKey);
      const outcome = paymentAnswer(x, undefined, false);
      // A details answer without a pspReference still belongs to the payment the action was for.
      return outcome.status !== "unknown" && outcome.status !== "error" && !outcome.reference
        ? { ...outcome, reference: r.reference }
        : outcome;
    },

    async capture(ctx, r) {
      // Adyen has no lookup of the authorized amount: a capture always names amount and currency.
      if (r.amount === undefined || !r.currency) throw new Error("adyen: a capture needs its amount and currency");
      const path = `/payments/${encodeURIComponent(r.reference)}/captures`;
      return modify(ctx, path, r.idempotencyKey, amountOf(r.amount, r.currency));
    },
    void: (ctx, r) => modify(ctx, `/payments/${encodeURIComponent(r.reference)}/cancels`, r.idempotencyKey),
    refund: (ctx, r) =>
      modify(
        ctx,
        `/payments/${encodeURIComponent(r.reference)}/refunds`,
        r.idempotencyKey,
        amountOf(r.amount, r.currency),
      ),

    async retrieve(_ctx, r) {
      return {
        status: "unknown",
        sent: true,
        reference: r.reference,
        message: "Adyen's Checkout API has no payment lookup: the AUTHORISATION webhook settles this payment",
        vendor: { code: null, raw: null },
      };
    },

    async savePaymentMethod(ctx, r): Promise<SavePaymentMethodOutcome> {
      const paymentMethod = parseJson<Record<string, unknown>>(r.token);
      if (!paymentMethod || typeof paymentMethod !== "object" || typeof paymentMethod.type !== "string")
        return {
          status: "refused",
          code: "invalid_token",
          message: "Not an Adyen paymentMethod object",
          vendor: { code: null, raw: null },
        };
      const x = await post(
        ctx,
        "/payments",
        {
          merchantAccount: await merchantAccountOf(ctx),
          reference: r.idempotencyKey,
          amount: { value: 0, currency: String(ctx.config.vault_currency ?? "EUR") },
          paymentMethod,
          shopperReference: r.customer,
          storePaymentMethod: true,
          shopperInteraction: "Ecommerce",
          recurringProcessingModel: "Subscription",
          returnUrl: ctx.config.return_url === undefined ? undefined : String(ctx.config.return_url),
        },
        r.idempotencyKey,
      );
      const p = x.kind === "answer" && x.status === 200 ? parseJson<AdyenPaymentResponse>(x.body) : undefined;
      const stored = p?.additionalData?.["tokenization.storedPaymentMethodId"];
      if (p?.resultCode === "Authorised" && stored && x.kind === "answer") {
        const [month, year] = (p.additionalData?.expiryDate ?? "").split("/");
        return {
          status: "saved",
          method: {
            token: `pm_${stored}`,
            brand: p.paymentMethod?.brand ?? null,
            last4: p.additionalData?.cardSummary ?? null,
            expMonth: month ? Number(month) : null,
            expYear: year ? Number(year) : null,
            // The network's Payment Account Reference: the same card behind any token.
            fingerprint: p.additionalData?.paymentAccountReference ?? null,
          },
          vendor: { code: p.resultCode, raw: rawExcerpt(x.body) },
        };
      }
      if (p) {
        const o = paymentResult(p, x.kind === "answer" ? x.body : null, true);
        const code = "code" in o ? o.code : (p.resultCode ?? "refused");
        return { status: "refused", code, message: p.refusalReason ?? "not stored", vendor: o.vendor };
      }
      if (x.kind === "answer" && x.status === 422) {
        const e = parseJson<{ errorCode?: string; message?: string }>(x.body);
        return {
          status: "refused",
          code: e?.errorCode ?? "422",
          message: e?.message ?? "refused",
          vendor: { code: e?.errorCode ?? null, raw: rawExcerpt(x.body) },
        };
      }
      return {
        status: "error",
        code: x.kind === "answer" ? `http_${x.status}` : x.kind,
        message: x.kind === "answer" ? "adyen did not store it" : x.message,
        vendor: { code: null, raw: x.kind === "answer" ? rawExcerpt(x.body) : null },
      };
    },

    handleWebhook: (ctx, request) => verifyAdyenWebhook(ctx, request),
  };
}
