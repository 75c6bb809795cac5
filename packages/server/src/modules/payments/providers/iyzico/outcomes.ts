import type { OperationOutcome, PaymentOutcome, RetrieveOutcome } from "../../provider.js";
import { fromDecimalString } from "../currency.js";
import { type Exchange, parseJson } from "../http.js";
import { noAnswer, notProcessedError, unreadable, vendorDetail } from "../outcomes.js";
import type { IyzicoAnswer, IyzicoPayment, IyzicoReportedPayment } from "./api.js";
import { declineRule, isBankDecline } from "./declines.js";

/*
 * iyzico's answers → outcomes. iyzico answers HTTP 200 with `status: failure` for declines and
 * for its own validation errors alike: a bank code (10xxx) is a decline, any other code is iyzico
 * refusing the request before the bank saw it (nothing moved: `error`, failover is safe).
 */

type Answer = Extract<Exchange, { kind: "answer" }>;

/** The answer read as JSON, or why it cannot be read as a result. */
export function read<T extends IyzicoAnswer>(x: Exchange): { ok: T; raw: string } | { failed: NotRead } {
  if (x.kind !== "answer") return { failed: noAnswer(x) };
  // Credentials, rate limits: refused before anything was processed.
  if (x.status === 401 || x.status === 403 || x.status === 429)
    return { failed: notProcessedError(`http_${x.status}`, `iyzico answered HTTP ${x.status}`, x.body) };
  const body = x.status < 500 ? parseJson<T>(x.body) : undefined;
  if (!body || (body.status !== "success" && body.status !== "failure"))
    return { failed: unreadable("iyzico", x as Answer, null) };
  return { ok: body, raw: x.body };
}

type NotRead = ReturnType<typeof noAnswer> | ReturnType<typeof notProcessedError>;

/** A minor-unit amount from iyzico's decimal (a JSON number such as 10.5). */
export const minorOf = (price: number | undefined, currency: string, fallback: number): number =>
  price === undefined ? fallback : fromDecimalString(String(price), currency);

/**
 * What we keep of a payment as `vendor.raw`: the same summary whether the payment was read from
 * its charge's answer or found again by the reporting service, so a replay equals the original.
 */
export function summary(p: { paymentId?: unknown; phase?: string; paidPrice?: number; currency?: string }): string {
  return JSON.stringify({
    paymentId: String(p.paymentId),
    phase: p.phase,
    paidPrice: p.paidPrice,
    currency: p.currency,
  });
}

/** A failed answer: a bank decline from the table, else iyzico's own refusal. */
export function failure(body: IyzicoAnswer, raw: string): PaymentOutcome {
  const code = body.errorCode ?? "failure";
  if (isBankDecline(code)) {
    const rule = declineRule(code);
    return {
      status: rule.hard ? "hard_decline" : "soft_decline",
      reference: null,
      code,
      message: body.errorMessage ?? body.errorGroup ?? "declined",
      retry: rule.retry,
      vendor: vendorDetail(code, raw),
    };
  }
  return notProcessedError(code, body.errorMessage ?? `iyzico refused the request (${code})`, raw);
}

/** A successful payment answer, by iyzico's fraud verdict and phase. */
export function paid(p: {
  paymentId?: unknown;
  phase?: string;
  fraudStatus?: number;
  paidPrice?: number;
  currency?: string;
}): PaymentOutcome {
  const reference = String(p.paymentId);
  const raw = summary(p);
  // iyzico's fraud check refused it: the money does not move.
  if (p.fraudStatus === -1)
    return {
      status: "hard_decline",
      reference,
      code: "fraud_rejected",
      message: "iyzico's fraud check refused the payment",
      retry: { allowed: false },
      vendor: vendorDetail("FRAUD_REJECTED", raw),
    };
  // Under review: iyzico decides later (the payment's webhook or retrieve says how).
  if (p.fraudStatus === 0) return { status: "pending", reference, vendor: vendorDetail("FRAUD_REVIEW", raw) };
  if (p.phase === "PRE_AUTH") return { status: "authorized", reference, vendor: vendorDetail("PRE_AUTH", raw) };
  return { status: "succeeded", reference, vendor: vendorDetail(p.phase ?? "AUTH", raw) };
}

/** /payment/auth, /payment/preauth, /payment/3dsecure/auth and …/initialize answers. */
export function paymentAnswer(x: Exchange): PaymentOutcome {
  const r = read<IyzicoPayment>(x);
  if ("failed" in r) return r.failed;
  const p = r.ok;
  if (p.status === "failure") return failure(p, r.raw);
  if (p.threeDSHtmlContent !== undefined && p.paymentId !== undefined)
    return {
      status: "requires_action",
      reference: String(p.paymentId),
      action: { type: "three_d_secure", data: { threeDSHtmlContent: p.threeDSHtmlContent } },
      vendor: vendorDetail("INIT_THREEDS", JSON.stringify({ paymentId: String(p.paymentId) })),
    };
  if (p.paymentId === undefined) return unreadable("iyzico", x as Answer, "no_payment_id");
  return paid(p);
}

/** A payment the reporting service found, as a retrieve outcome. */
export function reportedOutcome(p: IyzicoReportedPayment): RetrieveOutcome {
  const reference = String(p.paymentId);
  if (p.cancels?.some((c) => c.refundStatus !== 0))
    return {
      status: "hard_decline",
      reference,
      code: "cancelled",
      message: "The payment was cancelled (voided)",
      retry: { allowed: false },
      vendor: vendorDetail("CANCELLED", summary(p)),
    };
  switch (p.paymentStatus) {
    case 1:
      return paid(p);
    case 2:
    case 3:
      // 3-D Secure started and not completed: nothing was charged; only the customer can finish it.
      return {
        status: "requires_action",
        reference,
        action: { type: "three_d_secure" },
        vendor: vendorDetail(p.paymentStatus === 2 ? "INIT_THREEDS" : "CALLBACK_THREEDS", summary(p)),
      };
    default:
      return {
        status: "soft_decline",
        reference,
        code: "payment_failed",
        message: "iyzico reports the payment as failed",
        retry: declineRule("unknown").retry,
        vendor: vendorDetail("FAILURE", summary(p)),
      };
  }
}

/** Captures, cancels and refunds: success carries the amount; a processed refusal is `refused`. */
export function operationAnswer(x: Exchange, amountOf: (body: IyzicoPayment) => number): OperationOutcome {
  const r = read<IyzicoPayment>(x);
  if ("failed" in r) return r.failed;
  const b = r.ok;
  if (b.status === "failure") {
    const code = b.errorCode ?? "failure";
    return {
      status: "refused",
      reference: null,
      code,
      message: b.errorMessage ?? code,
      vendor: vendorDetail(code, r.raw),
    };
  }
  return {
    status: "succeeded",
    reference: String(b.paymentId),
    amount: amountOf(b),
    vendor: vendorDetail("success", r.raw),
  };
}

export const refusedOperation = (code: string, message: string, raw: string | null): OperationOutcome => ({
  status: "refused",
  reference: null,
  code,
  message,
  vendor: vendorDetail(code, raw),
});
