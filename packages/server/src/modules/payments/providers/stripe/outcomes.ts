import {
  IdempotencyMismatchError,
  type NextAction,
  type OperationOutcome,
  type PaymentOutcome,
} from "../../provider.js";
import { fromVendorUnits } from "../currency.js";
import type { Exchange } from "../http.js";
import { parseJson } from "../http.js";
import { noAnswer, vendorDetail } from "../outcomes.js";
import { STRIPE_EXPONENTS, type StripeError, type StripePaymentIntent, type StripeRefund } from "./api.js";
import { declineRule } from "./declines.js";

/* Stripe's answers → the port's outcomes (docs.stripe.com/error-handling, /payments/paymentintents/lifecycle). */

const vendor = vendorDetail;

export function errorOf(body: string): StripeError | undefined {
  return parseJson<{ error?: StripeError }>(body)?.error;
}

/** Stripe's idempotency errors: a mismatch is our bug (thrown); a key in use means the first call is still running. */
function idempotency(e: StripeError | undefined): "mismatch" | "in_use" | undefined {
  if (e?.type !== "idempotency_error") return undefined;
  return e.code === "idempotency_key_in_use" ? "in_use" : "mismatch";
}

export function decline(e: StripeError, raw: string | null, reference: string | null): PaymentOutcome {
  const code = e.decline_code ?? e.code ?? "card_declined";
  const rule = declineRule(code, { adviceCode: e.advice_code, networkAdviceCode: e.network_advice_code });
  return {
    status: rule.hard ? "hard_decline" : "soft_decline",
    reference,
    code,
    message: e.message ?? "The card was declined",
    retry: rule.retry,
    vendor: vendor(e.decline_code ? `${e.code}/${e.decline_code}` : (e.code ?? null), raw),
  };
}

function actionOf(pi: StripePaymentIntent): NextAction {
  const next = pi.next_action;
  if (next?.type === "redirect_to_url" && next.redirect_to_url)
    return { type: "redirect", url: next.redirect_to_url.url };
  // use_stripe_sdk: Stripe.js completes 3-D Secure in the page with the client secret.
  return { type: "three_d_secure", data: { client_secret: pi.client_secret ?? "", next_action: next?.type ?? "" } };
}

/** What a PaymentIntent's state means, for a charge, a confirm or a retrieve. */
export function intentOutcome(pi: StripePaymentIntent, raw: string | null): PaymentOutcome {
  const v = vendor(pi.status, raw);
  switch (pi.status) {
    case "succeeded":
      return { status: "succeeded", reference: pi.id, vendor: v };
    case "requires_capture":
      return { status: "authorized", reference: pi.id, vendor: v };
    case "requires_action":
    case "requires_confirmation":
      return { status: "requires_action", reference: pi.id, action: actionOf(pi), vendor: v };
    case "processing":
      return { status: "pending", reference: pi.id, vendor: v };
    case "canceled":
      return {
        status: "hard_decline",
        reference: pi.id,
        code: "canceled",
        message: `The PaymentIntent was canceled (${pi.cancellation_reason ?? "no reason"})`,
        retry: { allowed: false },
        vendor: v,
      };
    case "requires_payment_method":
      return decline(pi.last_payment_error ?? { type: "card_error", code: "card_declined" }, raw, pi.id);
  }
}

/** An answer to a call that creates or moves a PaymentIntent. */
export function paymentAnswer(x: Exchange): PaymentOutcome {
  if (x.kind !== "answer") return noAnswer(x);
  if (x.status === 200) {
    const pi = parseJson<StripePaymentIntent>(x.body);
    if (pi?.object === "payment_intent") return intentOutcome(pi, x.body);
  }
  const e = errorOf(x.body);
  const idem = idempotency(e);
  if (idem === "mismatch")
    throw new IdempotencyMismatchError(`stripe: ${e?.message ?? "idempotency key reused with other parameters"}`);
  if (e && x.status === 402) return decline(e, x.body, e.payment_intent?.id ?? null);
  if (e && x.status === 400 && e.type === "invalid_request_error" && e.param?.startsWith("payment_method"))
    return decline({ ...e, code: "payment_method_unknown" }, x.body, e.payment_intent?.id ?? null);
  // Rate limited, unauthenticated or refused before processing: nothing happened, failover is safe.
  if (e && (x.status === 429 || x.status === 401 || x.status === 403 || x.status === 400))
    return {
      status: "error",
      reference: null,
      code: e.code ?? e.type,
      message: e.message ?? `HTTP ${x.status}`,
      vendor: vendor(e.code ?? e.type, x.body),
    };
  // 5xx (Stripe: "indeterminate"), 409 idempotency_key_in_use, anything unreadable: may have charged.
  return {
    status: "unknown",
    sent: true,
    reference: e?.payment_intent?.id ?? null,
    message: `stripe answered HTTP ${x.status}${idem === "in_use" ? " (idempotency key in use)" : ""}`,
    vendor: vendor(e?.code ?? `http_${x.status}`, x.body),
  };
}

/** An answer to a capture, cancel or refund. */
export function operationAnswer(x: Exchange, read: (body: string) => OperationOutcome | undefined): OperationOutcome {
  if (x.kind !== "answer") return noAnswer(x);
  if (x.status === 200) {
    const done = read(x.body);
    if (done) return done;
  }
  const e = errorOf(x.body);
  const idem = idempotency(e);
  if (idem === "mismatch")
    throw new IdempotencyMismatchError(`stripe: ${e?.message ?? "idempotency key reused with other parameters"}`);
  if (e && (x.status === 429 || x.status === 401 || x.status === 403))
    return {
      status: "error",
      reference: null,
      code: e.code ?? e.type,
      message: e.message ?? `HTTP ${x.status}`,
      vendor: vendor(e.code ?? e.type, x.body),
    };
  // Stripe processed it and said no: already captured, canceled, refunded, over the amount, no such intent.
  if (e && (x.status === 400 || x.status === 402 || x.status === 404))
    return {
      status: "refused",
      reference: e.payment_intent?.id ?? null,
      code: e.code ?? e.type,
      message: e.message ?? `HTTP ${x.status}`,
      vendor: vendor(e.code ?? e.type, x.body),
    };
  return {
    status: "unknown",
    sent: true,
    reference: null,
    message: `stripe answered HTTP ${x.status}`,
    vendor: vendor(e?.code ?? `http_${x.status}`, x.body),
  };
}

export function intentOperation(amountOf: (pi: StripePaymentIntent) => number) {
  return (body: string): OperationOutcome | undefined => {
    const pi = parseJson<StripePaymentIntent>(body);
    if (pi?.object !== "payment_intent") return undefined;
    const amount = fromVendorUnits(amountOf(pi), pi.currency, STRIPE_EXPONENTS);
    return { status: "succeeded", reference: pi.id, amount, vendor: vendor(pi.status, body) };
  };
}

export function refundOperation(body: string): OperationOutcome | undefined {
  const r = parseJson<StripeRefund>(body);
  if (r?.object !== "refund") return undefined;
  const amount = fromVendorUnits(r.amount, r.currency, STRIPE_EXPONENTS);
  const v = vendor(r.status, body);
  if (r.status === "succeeded") return { status: "succeeded", reference: r.id, amount, vendor: v };
  if (r.status === "pending" || r.status === "requires_action")
    return { status: "pending", reference: r.id, amount, vendor: v };
  return {
    status: "refused",
    reference: r.id,
    code: r.failure_reason ?? r.status,
    message: `The refund ${r.status}`,
    vendor: v,
  };
}
