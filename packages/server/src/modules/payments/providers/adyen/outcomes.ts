import { IdempotencyMismatchError, type OperationOutcome, type PaymentOutcome } from "../../provider.js";
import type { Exchange } from "../http.js";
import { parseJson } from "../http.js";
import { noAnswer, vendorDetail } from "../outcomes.js";
import type { AdyenAmount, AdyenError, AdyenModificationResponse, AdyenPaymentResponse } from "./api.js";
import { declineRule } from "./declines.js";

/* Adyen's answers → the port's outcomes (docs.adyen.com/online-payments/build-your-integration/payment-result-codes). */

const vendor = vendorDetail;

/**
 * Adyen replays the first answer for a known Idempotency-Key without comparing bodies, so a key
 * reused with another amount shows only in the replayed answer: that is our bug, thrown.
 */
function checkSame(sent: AdyenAmount, answered: AdyenAmount | undefined) {
  if (answered && (answered.value !== sent.value || answered.currency !== sent.currency))
    throw new IdempotencyMismatchError(
      `adyen replayed an answer for ${answered.value} ${answered.currency} to a request for ${sent.value} ${sent.currency}`,
    );
}

/** Errors that say the request was not processed; 704 (request in progress) is not one of them. */
function notProcessed(x: Extract<Exchange, { kind: "answer" }>, e: AdyenError | undefined) {
  if (e?.errorCode === "704") return false;
  return (
    x.status === 401 ||
    x.status === 403 ||
    x.status === 429 ||
    (x.status >= 400 && x.status < 500 && e?.errorType === "validation")
  );
}

function unknownOrError<T extends PaymentOutcome | OperationOutcome>(x: Exchange): T {
  if (x.kind !== "answer") return noAnswer(x) as T;
  const e = parseJson<AdyenError>(x.body);
  const code = e?.errorCode ?? `http_${x.status}`;
  if (notProcessed(x, e))
    return {
      status: "error",
      reference: null,
      code,
      message: e?.message ?? `HTTP ${x.status}`,
      vendor: vendor(code, x.body),
    } as T;
  // 5xx, 704 "request already processed or in progress", anything unreadable: it may have happened.
  return {
    status: "unknown",
    sent: true,
    reference: null,
    message: `adyen answered HTTP ${x.status}: ${e?.message ?? ""}`,
    vendor: vendor(code, x.body),
  } as T;
}

export function paymentResult(p: AdyenPaymentResponse, raw: string | null, authorizeOnly: boolean): PaymentOutcome {
  const reference = p.pspReference ?? null;
  const v = vendor(p.resultCode ?? null, raw);
  switch (p.resultCode) {
    case "Authorised":
      return authorizeOnly
        ? { status: "authorized", reference: reference!, vendor: v }
        : { status: "succeeded", reference: reference!, vendor: v };
    case "RedirectShopper":
    case "IdentifyShopper":
    case "ChallengeShopper":
      return {
        status: "requires_action",
        reference: reference ?? "",
        action: p.action?.url
          ? { type: "redirect", url: p.action.url }
          : { type: "three_d_secure", data: { action: JSON.stringify(p.action ?? {}) } },
        vendor: v,
      };
    case "Pending":
    case "Received":
      return { status: "pending", reference: reference ?? "", vendor: v };
    case "Refused":
    case "Cancelled": {
      const code = p.refusalReasonCode ?? "2";
      const mac = p.additionalData?.merchantAdviceCode;
      const rule = declineRule(code, mac);
      return {
        status: rule.hard ? "hard_decline" : "soft_decline",
        reference,
        code,
        message: p.refusalReason ?? p.resultCode,
        retry: rule.retry,
        vendor: vendor(`${p.resultCode}:${code}:${p.refusalReason ?? ""}${mac ? `:mac ${mac}` : ""}`, raw),
      };
    }
    default:
      // resultCode Error: Adyen processed and failed it; never a silent success.
      return {
        status: "hard_decline",
        reference,
        code: p.refusalReasonCode ?? "error",
        message: p.refusalReason ?? `adyen resultCode ${p.resultCode}`,
        retry: { allowed: false },
        vendor: v,
      };
  }
}

export function paymentAnswer(x: Exchange, sent: AdyenAmount | undefined, authorizeOnly: boolean): PaymentOutcome {
  if (x.kind === "answer" && x.status === 200) {
    const p = parseJson<AdyenPaymentResponse>(x.body);
    if (p?.resultCode) {
      if (sent) checkSame(sent, p.amount);
      return paymentResult(p, x.body, authorizeOnly);
    }
  }
  return unknownOrError<PaymentOutcome>(x);
}

/** Captures, cancels and refunds are asynchronous at Adyen: `received` now, the result by webhook. */
export function modificationAnswer(x: Exchange, sent: AdyenAmount | undefined): OperationOutcome {
  if (x.kind === "answer" && x.status === 201) {
    const m = parseJson<AdyenModificationResponse>(x.body);
    if (m?.status === "received") {
      if (sent) checkSame(sent, m.amount);
      return {
        status: "pending",
        reference: m.pspReference,
        amount: m.amount?.value ?? sent?.value ?? 0,
        vendor: vendor("received", x.body),
      };
    }
  }
  if (x.kind === "answer" && x.status === 422) {
    // A modification Adyen validated and refused (unknown or unmodifiable payment).
    const e = parseJson<AdyenError>(x.body);
    if (e && e.errorCode !== "704")
      return {
        status: "refused",
        reference: null,
        code: e.errorCode ?? "422",
        message: e.message ?? "refused",
        vendor: vendor(e.errorCode ?? null, x.body),
      };
  }
  return unknownOrError<OperationOutcome>(x);
}
