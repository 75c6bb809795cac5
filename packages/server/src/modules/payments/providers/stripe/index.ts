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
import {
  callStripe,
  type Params,
  STRIPE_EXPONENTS,
  type StripePaymentIntent,
  type StripePaymentMethod,
} from "./api.js";
import {
  errorOf,
  intentOperation,
  intentOutcome,
  operationAnswer,
  paymentAnswer,
  refundOperation,
} from "./outcomes.js";
import { verifyStripeWebhook } from "./webhooks.js";

/*
 * Stripe through PaymentIntents (docs.stripe.com/api/payment_intents), form-encoded over the
 * injected fetch. Settings: `api_base`, `timeout_ms`; credentials: `secret_key`, `webhook_secret`.
 *
 * Why not the `stripe` package: it retries on its own and folds "never connected" and "no answer"
 * into one StripeConnectionError, and the port must tell them apart (failover vs. pending).
 *
 * Retrieve by idempotency key: Stripe has no lookup by key, and replaying the charge would charge
 * a request that never arrived. Every intent carries our key in `metadata[tessera_idempotency_key]`
 * and retrieve searches it (`/v1/payment_intents/search`). Stripe's search index lags writes by up
 * to about a minute, so a `not_found` is trusted only because billing first retrieves an unknown
 * payment minutes later, never at once.
 */

export const STRIPE_CAPABILITIES: Capabilities = {
  separateCapture: true,
  partialCapture: true,
  void: true,
  partialRefund: true,
  multipleRefunds: true,
  customerActions: true,
  vaulting: true,
  // Cards settle synchronously; `processing` (bank debits) is mapped to pending but not claimed here.
  asynchronousSettlement: false,
  webhooks: true,
};

/**
 * A vaulted method is `pm_…_cus_…`: Stripe charges an attached method only together with its
 * customer, and Tessera's API takes payment method tokens as `pm_[A-Za-z0-9_]+`. Stripe ids have
 * no underscore after their prefix, so the split is unambiguous.
 */
export function splitToken(token: string): { customer?: string; paymentMethod: string } {
  const at = token.indexOf("_cus_");
  return at > 0 ? { paymentMethod: token.slice(0, at), customer: token.slice(at + 1) } : { paymentMethod: token };
}

export const KEY_METADATA = "tessera_idempotency_key";

export function stripeProvider(deps: ProviderDeps, name = "stripe"): PaymentProvider {
  const call = (ctx: ProviderContext, c: Parameters<typeof callStripe>[2]) => callStripe(deps.fetch, ctx, c);

  function intent(ctx: ProviderContext, r: ChargeRequest, captureMethod: "automatic" | "manual") {
    const { customer, paymentMethod } = splitToken(r.paymentMethod);
    const params: Params = {
      amount: toVendorUnits(r.amount, r.currency, STRIPE_EXPONENTS),
      currency: r.currency.toLowerCase(),
      payment_method: paymentMethod,
      customer,
      confirm: true,
      capture_method: captureMethod,
      // Cards only: no redirect-based methods, so confirm needs no return_url unless 3-D Secure asks.
      payment_method_types: ["card"],
      description: r.description,
      metadata: { [KEY_METADATA]: r.idempotencyKey, tessera_customer: r.customer },
    };
    // Renewals: the customer is away, so Stripe applies the merchant-initiated exemptions.
    if (r.onSession === false) params.off_session = true;
    else if (r.returnUrl) params.return_url = r.returnUrl;
    return call(ctx, { method: "POST", path: "/v1/payment_intents", params, idempotencyKey: r.idempotencyKey }).then(
      paymentAnswer,
    );
  }

  const provider: PaymentProvider = {
    name,
    capabilities: STRIPE_CAPABILITIES,
    charge: (ctx, r) => intent(ctx, r, "automatic"),
    authorize: (ctx, r) => intent(ctx, r, "manual"),

    async confirm(ctx, r) {
      // Stripe.js completes 3-D Secure in the page; the intent then moves by itself. Only an intent
      // still waiting for confirmation is confirmed here.
      const current = await call(ctx, {
        method: "GET",
        path: `/v1/payment_intents/${encodeURIComponent(r.reference)}`,
      });
      if (current.kind === "answer" && current.status === 200) {
        const pi = parseJson<StripePaymentIntent>(current.body);
        if (pi?.status !== "requires_confirmation") return paymentAnswer(current);
        return paymentAnswer(
          await call(ctx, {
            method: "POST",
            path: `/v1/payment_intents/${encodeURIComponent(r.reference)}/confirm`,
            idempotencyKey: r.idempotencyKey,
          }),
        );
      }
      return paymentAnswer(current);
    },

    async capture(ctx, r) {
      const x = await call(ctx, {
        method: "POST",
        path: `/v1/payment_intents/${encodeURIComponent(r.reference)}/capture`,
        params:
          r.amount === undefined
            ? {}
            : { amount_to_capture: r.currency ? toVendorUnits(r.amount, r.currency, STRIPE_EXPONENTS) : r.amount },
        idempotencyKey: r.idempotencyKey,
      });
      return operationAnswer(
        x,
        intentOperation((pi) => pi.amount_received),
      );
    },

    async void(ctx, r) {
      const x = await call(ctx, {
        method: "POST",
        path: `/v1/payment_intents/${encodeURIComponent(r.reference)}/cancel`,
        params: { cancellation_reason: "requested_by_customer" },
        idempotencyKey: r.idempotencyKey,
      });
      return operationAnswer(
        x,
        intentOperation((pi) => pi.amount),
      );
    },

    async refund(ctx, r) {
      const x = await call(ctx, {
        method: "POST",
        path: "/v1/refunds",
        params: {
          payment_intent: r.reference,
          amount: toVendorUnits(r.amount, r.currency, STRIPE_EXPONENTS),
          metadata: { [KEY_METADATA]: r.idempotencyKey },
        },
        idempotencyKey: r.idempotencyKey,
      });
      return operationAnswer(x, refundOperation);
    },

    async retrieve(ctx, r) {
      if (r.reference) {
        const x = await call(ctx, { method: "GET", path: `/v1/payment_intents/${encodeURIComponent(r.reference)}` });
        if (x.kind === "answer" && x.status === 404 && errorOf(x.body)?.code === "resource_missing")
          return {
            status: "not_found",
            reference: null,
            vendor: { code: "resource_missing", raw: rawExcerpt(x.body) },
          };
        return paymentAnswer(x);
      }
      const quoted = r.idempotencyKey.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
      const x = await call(ctx, {
        method: "GET",
        path: "/v1/payment_intents/search",
        params: { query: `metadata['${KEY_METADATA}']:'${quoted}'`, limit: 1 },
      });
      if (x.kind === "answer" && x.status === 200) {
        const found = parseJson<{ data?: StripePaymentIntent[] }>(x.body)?.data;
        if (found && found.length > 0) return intentOutcome(found[0]!, x.body);
        if (found)
          return { status: "not_found", reference: null, vendor: { code: "search_empty", raw: rawExcerpt(x.body) } };
      }
      return paymentAnswer(x);
    },

    async savePaymentMethod(ctx, r): Promise<SavePaymentMethodOutcome> {
      const failed = (x: Awaited<ReturnType<typeof call>>): SavePaymentMethodOutcome => {
        if (x.kind !== "answer")
          return { status: "error", code: x.kind, message: x.message, vendor: { code: null, raw: null } };
        const e = errorOf(x.body);
        const code = e?.decline_code ?? e?.code ?? `http_${x.status}`;
        const v = { code, raw: rawExcerpt(x.body) };
        // Stripe looked at the token and said no (no such method, card declined by the check).
        if (x.status === 400 || x.status === 402 || x.status === 404)
          return { status: "refused", code, message: e?.message ?? "refused", vendor: v };
        return { status: "error", code, message: e?.message ?? `HTTP ${x.status}`, vendor: v };
      };
      const customer = await call(ctx, {
        method: "POST",
        path: "/v1/customers",
        params: { metadata: { tessera_customer: r.customer } },
        idempotencyKey: `${r.idempotencyKey}:customer`,
      });
      const cus =
        customer.kind === "answer" && customer.status === 200 ? parseJson<{ id: string }>(customer.body) : undefined;
      if (!cus?.id) return failed(customer);
      const attached = await call(ctx, {
        method: "POST",
        path: `/v1/payment_methods/${encodeURIComponent(r.token)}/attach`,
        params: { customer: cus.id },
        idempotencyKey: `${r.idempotencyKey}:attach`,
      });
      const pm =
        attached.kind === "answer" && attached.status === 200
          ? parseJson<StripePaymentMethod>(attached.body)
          : undefined;
      if (attached.kind !== "answer" || pm?.object !== "payment_method") return failed(attached);
      return {
        status: "saved",
        method: {
          token: `${pm.id}_${cus.id}`,
          brand: pm.card?.brand ?? null,
          last4: pm.card?.last4 ?? null,
          expMonth: pm.card?.exp_month ?? null,
          expYear: pm.card?.exp_year ?? null,
          fingerprint: pm.card?.fingerprint ?? null,
        },
        vendor: { code: "attached", raw: rawExcerpt(attached.body) },
      };
    },

    handleWebhook: (ctx, request) => verifyStripeWebhook(ctx, request),
  };
  return provider;
}
