import { IdempotencyMismatchError, type OperationOutcome, type PaymentOutcome } from "../../provider.js";
import { fromDecimalString } from "../currency.js";
import { type Exchange, parseJson } from "../http.js";
import { noAnswer, notProcessedError, unreadable, vendorDetail as vendor } from "../outcomes.js";
import {
  issueOf,
  type PayPalAuthorization,
  type PayPalCapture,
  type PayPalError,
  type PayPalMoney,
  type PayPalOrder,
} from "./api.js";
import { declineRule } from "./declines.js";

/*
 * PayPal's answers → the port's outcomes. The order id is the payment's reference throughout: a
 * 3-D Secure order has no capture yet, and captures, voids and refunds find their authorization
 * or capture through the order. Card declines arrive as a COMPLETED order whose capture or
 * authorization is DECLINED/DENIED with `processor_response`; wallet refusals as 422 issues.
 */

type Answer = Extract<Exchange, { kind: "answer" }>;

export const errorOf = (body: string) => parseJson<PayPalError>(body);

/** PayPal replays the first answer to a known PayPal-Request-Id: another amount under the key is our bug. */
function checkSame(sent: PayPalMoney, answered: PayPalMoney | undefined) {
  if (answered && (answered.value !== sent.value || answered.currency_code !== sent.currency_code))
    throw new IdempotencyMismatchError(
      `paypal replayed an answer for ${answered.value} ${answered.currency_code} to a request for ${sent.value} ${sent.currency_code}`,
    );
}

/** Refused before processing: bad request, credentials, permissions, rate limit. Failover is safe. */
function notProcessed(x: Answer): boolean {
  return x.status === 400 || x.status === 401 || x.status === 403 || x.status === 415 || x.status === 429;
}

function refusedBeforeProcessing(x: Answer) {
  const e = errorOf(x.body);
  const code = issueOf(e) ?? `http_${x.status}`;
  return notProcessedError(code, e?.message ?? `HTTP ${x.status}`, x.body);
}

function declined(
  code: string,
  advice: string | undefined,
  reference: string | null,
  message: string,
  raw: string,
): PaymentOutcome {
  const rule = declineRule(code, advice);
  return {
    status: rule.hard ? "hard_decline" : "soft_decline",
    reference,
    code,
    message,
    retry: rule.retry,
    vendor: vendor(advice ? `${code}:mac ${advice}` : code, raw),
  };
}

const payerAction = (o: PayPalOrder) => o.links?.find((l) => l.rel === "payer-action")?.href;

/** What an order's state means, for a charge, a confirm or a retrieve. */
export function orderOutcome(o: PayPalOrder, raw: string): PaymentOutcome {
  const v = vendor(o.status, raw);
  if (o.status === "PAYER_ACTION_REQUIRED") {
    const url = payerAction(o);
    return {
      status: "requires_action",
      reference: o.id,
      action: url ? { type: "redirect", url } : { type: "three_d_secure", data: { order_id: o.id } },
      vendor: v,
    };
  }
  const payments = o.purchase_units?.[0]?.payments;
  const capture: PayPalCapture | undefined = payments?.captures?.[0];
  const auth: PayPalAuthorization | undefined = payments?.authorizations?.[0];
  if (capture) {
    switch (capture.status) {
      case "COMPLETED":
      case "PARTIALLY_REFUNDED":
      case "REFUNDED":
        return { status: "succeeded", reference: o.id, vendor: vendor(capture.status, raw) };
      case "PENDING":
        return {
          status: "pending",
          reference: o.id,
          vendor: vendor(`PENDING:${capture.status_details?.reason ?? ""}`, raw),
        };
      default: {
        const p = capture.processor_response;
        return declined(
          p?.response_code ?? capture.status,
          p?.payment_advice_code,
          o.id,
          `capture ${capture.status}`,
          raw,
        );
      }
    }
  }
  if (auth) {
    switch (auth.status) {
      case "CREATED":
        return { status: "authorized", reference: o.id, vendor: vendor(auth.status, raw) };
      case "CAPTURED":
      case "PARTIALLY_CAPTURED":
        return { status: "succeeded", reference: o.id, vendor: vendor(auth.status, raw) };
      case "PENDING":
        return { status: "pending", reference: o.id, vendor: vendor(auth.status, raw) };
      case "VOIDED":
        return {
          status: "hard_decline",
          reference: o.id,
          code: "VOIDED",
          message: "The authorization was voided",
          retry: { allowed: false },
          vendor: vendor(auth.status, raw),
        };
      default: {
        const p = auth.processor_response;
        return declined(
          p?.response_code ?? auth.status,
          p?.payment_advice_code,
          o.id,
          `authorization ${auth.status}`,
          raw,
        );
      }
    }
  }
  // CREATED / APPROVED / SAVED without a payment: PayPal has not finished; retrieve tells later.
  return { status: "pending", reference: o.id, vendor: v };
}

/** An answer to creating, capturing or authorizing an order. */
export function paymentAnswer(x: Exchange, sent: PayPalMoney | undefined): PaymentOutcome {
  if (x.kind !== "answer") return noAnswer(x);
  if (x.status === 200 || x.status === 201) {
    const o = parseJson<PayPalOrder>(x.body);
    if (o?.id && o.status) {
      if (sent) checkSame(sent, o.purchase_units?.[0]?.amount);
      return orderOutcome(o, x.body);
    }
  }
  if (notProcessed(x)) return refusedBeforeProcessing(x);
  if (x.status === 422) {
    const e = errorOf(x.body);
    const issue = issueOf(e);
    if (issue) return declined(issue, undefined, null, e?.details?.[0]?.description ?? e?.message ?? issue, x.body);
  }
  // 5xx, 409 (the same PayPal-Request-Id still in progress), anything unreadable: it may have charged.
  return unreadable("paypal", x, issueOf(errorOf(x.body)) ?? null);
}

function toMinor(m: PayPalMoney | undefined, fallback: number): number {
  return m ? fromDecimalString(m.value, m.currency_code) : fallback;
}

/** An answer to an authorization capture, a void or a capture refund. */
export function operationAnswer(
  x: Exchange,
  reference: string,
  sent: PayPalMoney | undefined,
  amount: number,
): OperationOutcome {
  if (x.kind !== "answer") return noAnswer(x);
  if (x.status === 200 || x.status === 201 || x.status === 204) {
    const r =
      x.status === 204
        ? { id: reference, status: "VOIDED" }
        : parseJson<{ id?: string; status?: string; amount?: PayPalMoney }>(x.body);
    if (r?.id && r.status) {
      if (sent) checkSame(sent, r.amount);
      const v = vendor(r.status, x.body);
      const value = toMinor(r.amount, amount);
      if (r.status === "COMPLETED" || r.status === "VOIDED" || r.status === "CAPTURED")
        return { status: "succeeded", reference: r.id, amount: value, vendor: v };
      if (r.status === "PENDING") return { status: "pending", reference: r.id, amount: value, vendor: v };
      return { status: "refused", reference: r.id, code: r.status, message: `PayPal answered ${r.status}`, vendor: v };
    }
  }
  if (notProcessed(x)) return refusedBeforeProcessing(x);
  if (x.status === 404 || x.status === 422) {
    const e = errorOf(x.body);
    const code = issueOf(e) ?? `http_${x.status}`;
    return {
      status: "refused",
      reference: null,
      code,
      message: e?.details?.[0]?.description ?? e?.message ?? code,
      vendor: vendor(code, x.body),
    };
  }
  return unreadable("paypal", x, issueOf(errorOf(x.body)) ?? null);
}
