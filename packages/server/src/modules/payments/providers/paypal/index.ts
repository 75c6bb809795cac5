import {
  type Capabilities,
  type ChargeRequest,
  type OperationOutcome,
  type PaymentProvider,
  type ProviderContext,
  type ProviderDeps,
  rawExcerpt,
  type SavePaymentMethodOutcome,
} from "../../provider.js";
import { fromDecimalString, toDecimalString } from "../currency.js";
import { type Exchange, parseJson, stringSetting } from "../http.js";
import { noAnswer } from "../outcomes.js";
import {
  callPayPal,
  issueOf,
  PAYPAL_EXPONENTS,
  type PayPalAuthorization,
  type PayPalCall,
  type PayPalCapture,
  type PayPalMoney,
  type PayPalOrder,
  type PayPalPaymentToken,
  PayPalTokens,
} from "./api.js";
import { errorOf, operationAnswer, orderOutcome, paymentAnswer } from "./outcomes.js";
import { paypalWebhooks } from "./webhooks.js";

/*
 * PayPal through Orders v2 with vaulted payment sources (developer.paypal.com/docs/checkout/save-payment-methods).
 * Settings: `api_base` (default the sandbox, https://api-m.sandbox.paypal.com; live is
 * https://api-m.paypal.com), `timeout_ms`, `return_url`, `cancel_url`; credentials: `client_id`,
 * `client_secret`, `webhook_id`.
 *
 * A charge is one order created with the vault id as its payment source and intent CAPTURE (or
 * AUTHORIZE), which PayPal completes at once; the order id is the payment's reference. Our key is
 * the PayPal-Request-Id and the purchase unit's custom_id, so webhooks name the charge even when
 * its answer was lost. PayPal has no order search by custom_id: `retrieve` without a reference
 * answers `unknown`, and the PAYMENT.CAPTURE.COMPLETED webhook (custom_id = our key) settles it.
 *
 * Why not an SDK: @paypal/paypal-server-sdk retries by itself and hides whether a request left;
 * the port must tell "not sent" from "no answer".
 */

export const PAYPAL_CAPABILITIES: Capabilities = {
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

type Source = "card" | "paypal" | "venmo";

/**
 * Tessera's payment method tokens are `pm_[A-Za-z0-9_]+`; a PayPal vault id is alphanumeric and
 * charged under the payment source it was saved as, so the token is `pm_<source>_<vault id>`.
 */
export function splitToken(token: string): { source: Source; vaultId: string } | undefined {
  const m = /^pm_(card|paypal|venmo)_([A-Za-z0-9-]+)$/.exec(token);
  return m ? { source: m[1] as Source, vaultId: m[2]! } : undefined;
}

export interface PayPalOptions {
  name?: string;
  /** PEM roots that webhook certificates must chain to (tests); default Node's bundled roots. */
  trustedRoots?: readonly string[];
}

export function paypalProvider(deps: ProviderDeps, options: PayPalOptions = {}): PaymentProvider {
  const tokens = new PayPalTokens(deps.fetch, deps.clock);
  const call = (ctx: ProviderContext, c: PayPalCall) => callPayPal(deps.fetch, tokens, ctx, c);
  const money = (amount: number, currency: string): PayPalMoney => ({
    currency_code: currency.toUpperCase(),
    value: toDecimalString(amount, currency, PAYPAL_EXPONENTS),
  });
  const getOrder = (ctx: ProviderContext, id: string) =>
    call(ctx, { method: "GET", path: `/v2/checkout/orders/${encodeURIComponent(id)}` });

  function paymentSource(ctx: ProviderContext, r: ChargeRequest, source: Source, vaultId: string) {
    if (source !== "card") return { [source]: { vault_id: vaultId } };
    const present = r.onSession !== false;
    return {
      card: {
        vault_id: vaultId,
        // A renewal is a merchant-initiated recurring charge on stored credentials.
        stored_credential: {
          payment_initiator: present ? "CUSTOMER" : "MERCHANT",
          payment_type: "RECURRING",
          usage: "SUBSEQUENT",
        },
        ...(present && {
          attributes: { verification: { method: "SCA_WHEN_REQUIRED" } },
          experience_context: {
            return_url: r.returnUrl ?? stringSetting(ctx, "return_url"),
            cancel_url: stringSetting(ctx, "cancel_url") ?? r.returnUrl ?? stringSetting(ctx, "return_url"),
          },
        }),
      },
    };
  }

  async function order(ctx: ProviderContext, r: ChargeRequest, intent: "CAPTURE" | "AUTHORIZE") {
    const token = splitToken(r.paymentMethod);
    if (!token)
      return {
        status: "hard_decline" as const,
        reference: null,
        code: "payment_method_unknown",
        message: `${r.paymentMethod} is not a PayPal vaulted payment method token`,
        retry: { allowed: false },
        vendor: { code: null, raw: null },
      };
    const amount = money(r.amount, r.currency);
    const body = {
      intent,
      purchase_units: [
        {
          reference_id: "default",
          custom_id: r.idempotencyKey,
          ...(r.description && { description: r.description.slice(0, 127) }),
          amount,
        },
      ],
      payment_source: paymentSource(ctx, r, token.source, token.vaultId),
    };
    return paymentAnswer(
      await call(ctx, { method: "POST", path: "/v2/checkout/orders", body, requestId: r.idempotencyKey }),
      amount,
    );
  }

  /** The order's first authorization or capture, read fresh, for operations that act on them. */
  async function paymentOf(
    ctx: ProviderContext,
    reference: string,
  ): Promise<
    | { failed: OperationOutcome }
    | { failed?: undefined; auth?: PayPalAuthorization; capture?: PayPalCapture; raw: string }
  > {
    const x = await getOrder(ctx, reference);
    if (x.kind !== "answer") return { failed: noAnswer(x) };
    const o = x.status === 200 ? parseJson<PayPalOrder>(x.body) : undefined;
    if (!o) return { failed: operationAnswer(x, reference, undefined, 0) };
    const payments = o.purchase_units?.[0]?.payments;
    return { auth: payments?.authorizations?.[0], capture: payments?.captures?.[0], raw: x.body };
  }

  const refused = (code: string, message: string, raw: string | null): OperationOutcome => ({
    status: "refused",
    reference: null,
    code,
    message,
    vendor: { code, raw: rawExcerpt(raw) },
  });

  const verify = paypalWebhooks(
    { fetch: deps.fetch, clock: deps.clock, ...(options.trustedRoots && { trustedRoots: options.trustedRoots }) },
    (ctx, captureId): Promise<Exchange> =>
      call(ctx, { method: "GET", path: `/v2/payments/captures/${encodeURIComponent(captureId)}` }),
  );

  return {
    name: options.name ?? "paypal",
    capabilities: PAYPAL_CAPABILITIES,
    charge: (ctx, r) => order(ctx, r, "CAPTURE"),
    authorize: (ctx, r) => order(ctx, r, "AUTHORIZE"),

    async confirm(ctx, r) {
      // After the payer's action the order is APPROVED; capturing or authorizing it completes it.
      const current = await getOrder(ctx, r.reference);
      const o = current.kind === "answer" && current.status === 200 ? parseJson<PayPalOrder>(current.body) : undefined;
      if (o?.status !== "APPROVED") return paymentAnswer(current, undefined);
      const verb = o.intent === "AUTHORIZE" ? "authorize" : "capture";
      return paymentAnswer(
        await call(ctx, {
          method: "POST",
          path: `/v2/checkout/orders/${encodeURIComponent(r.reference)}/${verb}`,
          body: {},
          requestId: r.idempotencyKey,
        }),
        undefined,
      );
    },

    async capture(ctx, r) {
      const p = await paymentOf(ctx, r.reference);
      if (p.failed) return p.failed;
      if (!p.auth) return refused("NO_AUTHORIZATION", "The order has no authorization to capture", p.raw);
      const authorized = p.auth.amount;
      if (!authorized) return refused("NO_AUTHORIZATION", "The authorization names no amount", p.raw);
      const currency = authorized.currency_code;
      const amount = r.amount === undefined ? authorized : money(r.amount, currency);
      // PayPal may allow capturing up to 115% of an authorization; Tessera never captures more than it authorized.
      if (fromDecimalString(amount.value, currency) > fromDecimalString(authorized.value, currency))
        return refused("AMOUNT_EXCEEDS_AUTHORIZATION", `Cannot capture ${amount.value} of ${authorized.value}`, p.raw);
      const x = await call(ctx, {
        method: "POST",
        path: `/v2/payments/authorizations/${encodeURIComponent(p.auth.id)}/capture`,
        body: { amount, final_capture: true },
        requestId: r.idempotencyKey,
      });
      return operationAnswer(x, p.auth.id, amount, 0);
    },

    async void(ctx, r) {
      const p = await paymentOf(ctx, r.reference);
      if (p.failed) return p.failed;
      if (!p.auth) return refused("NO_AUTHORIZATION", "The order has no authorization to void", p.raw);
      const x = await call(ctx, {
        method: "POST",
        path: `/v2/payments/authorizations/${encodeURIComponent(p.auth.id)}/void`,
        requestId: r.idempotencyKey,
      });
      return operationAnswer(x, p.auth.id, undefined, 0);
    },

    async refund(ctx, r) {
      const p = await paymentOf(ctx, r.reference);
      if (p.failed) return p.failed;
      if (!p.capture) return refused("NO_CAPTURE", "The order has no capture to refund", p.raw);
      const amount = money(r.amount, r.currency);
      const x = await call(ctx, {
        method: "POST",
        path: `/v2/payments/captures/${encodeURIComponent(p.capture.id)}/refund`,
        body: { amount, custom_id: r.idempotencyKey },
        requestId: r.idempotencyKey,
      });
      return operationAnswer(x, r.reference, amount, r.amount);
    },

    async retrieve(ctx, r) {
      if (!r.reference)
        return {
          status: "unknown",
          sent: true,
          reference: null,
          message: "PayPal cannot look an order up by our key: the PAYMENT.CAPTURE webhook (custom_id) settles it",
          vendor: { code: null, raw: null },
        };
      const x = await getOrder(ctx, r.reference);
      if (x.kind === "answer" && x.status === 404)
        return {
          status: "not_found",
          reference: null,
          vendor: { code: issueOf(errorOf(x.body)) ?? "RESOURCE_NOT_FOUND", raw: rawExcerpt(x.body) },
        };
      if (x.kind === "answer" && x.status === 200) {
        const o = parseJson<PayPalOrder>(x.body);
        if (o?.id) return orderOutcome(o, x.body);
      }
      return paymentAnswer(x, undefined);
    },

    async savePaymentMethod(ctx, r): Promise<SavePaymentMethodOutcome> {
      // The client SDK's approved setup token becomes a permanent payment token (Vault v3).
      const x = await call(ctx, {
        method: "POST",
        path: "/v3/vault/payment-tokens",
        body: { payment_source: { token: { id: r.token, type: "SETUP_TOKEN" } } },
        requestId: r.idempotencyKey,
      });
      if (x.kind !== "answer")
        return { status: "error", code: x.kind, message: x.message, vendor: { code: null, raw: null } };
      const t = x.status === 200 || x.status === 201 ? parseJson<PayPalPaymentToken>(x.body) : undefined;
      const source = t?.payment_source;
      const kind: Source | undefined = source?.card
        ? "card"
        : source?.paypal
          ? "paypal"
          : source?.venmo
            ? "venmo"
            : undefined;
      if (t?.id && kind) {
        const [year, month] = (source?.card?.expiry ?? "").split("-");
        return {
          status: "saved",
          method: {
            token: `pm_${kind}_${t.id}`,
            brand: source?.card?.brand?.toLowerCase() ?? kind,
            last4: source?.card?.last_digits ?? null,
            expMonth: month ? Number(month) : null,
            expYear: year ? Number(year) : null,
            // PayPal's vault gives no card fingerprint.
            fingerprint: null,
          },
          vendor: { code: "saved", raw: rawExcerpt(x.body) },
        };
      }
      const e = errorOf(x.body);
      const code = issueOf(e) ?? `http_${x.status}`;
      const v = { code, raw: rawExcerpt(x.body) };
      if (x.status === 404 || x.status === 422)
        return { status: "refused", code, message: e?.details?.[0]?.description ?? e?.message ?? code, vendor: v };
      return { status: "error", code, message: e?.message ?? `HTTP ${x.status}`, vendor: v };
    },

    handleWebhook: (ctx, request) => verify(ctx, request),
  };
}
