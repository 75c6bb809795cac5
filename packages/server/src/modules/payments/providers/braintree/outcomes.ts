import { IdempotencyMismatchError, type OperationOutcome, type PaymentOutcome } from "../../provider.js";
import { fromDecimalString } from "../currency.js";
import { type Exchange, parseJson } from "../http.js";
import { noAnswer, notProcessedError, unreadable, vendorDetail as vendor } from "../outcomes.js";
import type { BraintreeError, BraintreeMoney, BraintreeTransaction, GraphQLAnswer } from "./api.js";
import { declineRule } from "./declines.js";

/*
 * Braintree's answers → the port's outcomes. A processed charge comes back as a transaction
 * whose status says what happened (PROCESSOR_DECLINED with its ProcessorDeclinedEvent); a request
 * Braintree refused to process comes back as GraphQL `errors` with an errorClass.
 */

type Answer = Extract<Exchange, { kind: "answer" }>;

/** Error classes that mean nothing was processed (graphql.braintreepayments.com/reference/#errors). */
const NOT_PROCESSED = new Set([
  "VALIDATION",
  "AUTHENTICATION",
  "AUTHORIZATION",
  "NOT_FOUND",
  "UNSUPPORTED_CLIENT",
  "RESOURCE_LIMIT",
]);

export function read<T>(x: Answer): GraphQLAnswer<T> | undefined {
  return parseJson<GraphQLAnswer<T>>(x.body);
}

export function firstError(a: GraphQLAnswer<unknown> | undefined): BraintreeError | undefined {
  return a?.errors?.[0];
}

export function checkSame(sent: BraintreeMoney, answered: BraintreeMoney | null | undefined) {
  // Braintree charges in the merchant account's currency, whatever we asked: a misconfigured
  // account, not a reused key. Loud, because money moved in another currency.
  if (answered && answered.currencyCode !== sent.currencyCode)
    throw new Error(
      `braintree charged ${answered.value} ${answered.currencyCode} for a ${sent.currencyCode} request: set merchant_account_id_${sent.currencyCode.toLowerCase()} to a ${sent.currencyCode} merchant account`,
    );
  if (answered && answered.value !== sent.value)
    throw new IdempotencyMismatchError(
      `braintree holds ${answered.value} ${answered.currencyCode} under this key, asked for ${sent.value} ${sent.currencyCode}`,
    );
}

export function transactionOutcome(t: BraintreeTransaction, raw: string): PaymentOutcome {
  const v = vendor(t.status, raw);
  switch (t.status) {
    case "AUTHORIZED":
      return { status: "authorized", reference: t.id, vendor: v };
    case "SUBMITTED_FOR_SETTLEMENT":
    case "SETTLING":
    case "SETTLEMENT_PENDING":
    case "SETTLED":
    case "SETTLEMENT_CONFIRMED":
      return { status: "succeeded", reference: t.id, vendor: v };
    case "AUTHORIZING":
      return { status: "pending", reference: t.id, vendor: v };
    case "PROCESSOR_DECLINED":
    case "SETTLEMENT_DECLINED":
    case "FAILED": {
      const event = t.statusHistory?.find((e) => e.status === t.status) ?? t.statusHistory?.[0];
      const code = event?.processorResponse?.legacyCode ?? t.status;
      const mac = event?.merchantAdviceCodeResponse?.code;
      const rule =
        t.status === "FAILED"
          ? { hard: false, retry: { allowed: true, afterSeconds: 300, tryAnotherAcquirer: true } }
          : declineRule(code, event?.declineType, mac);
      return {
        status: rule.hard ? "hard_decline" : "soft_decline",
        reference: t.id,
        code,
        message: event?.processorResponse?.message ?? t.status,
        retry: rule.retry,
        vendor: vendor(`${t.status}:${code}${mac ? `:mac ${mac}` : ""}`, raw),
      };
    }
    case "GATEWAY_REJECTED": {
      const reason = t.statusHistory?.[0]?.gatewayRejectionReason ?? "GATEWAY_REJECTED";
      return {
        status: "hard_decline",
        reference: t.id,
        code: reason,
        message: `Braintree's gateway rejected it (${reason})`,
        retry: { allowed: false },
        vendor: vendor(`GATEWAY_REJECTED:${reason}`, raw),
      };
    }
    default:
      // VOIDED, AUTHORIZATION_EXPIRED: nothing was or will be collected.
      return {
        status: "hard_decline",
        reference: t.id,
        code: t.status,
        message: `The transaction is ${t.status}`,
        retry: { allowed: false },
        vendor: v,
      };
  }
}

/** Errors: processor declines that arrive as errors, refusals before processing, or an unknown fate. */
export function errorsOutcome(x: Answer, e: BraintreeError | undefined): PaymentOutcome {
  const code = e?.extensions?.legacyCode ?? e?.extensions?.errorClass ?? `http_${x.status}`;
  if (e?.extensions?.legacyCode && /^[23]\d{3}$/.test(e.extensions.legacyCode)) {
    const rule = declineRule(e.extensions.legacyCode);
    return {
      status: rule.hard ? "hard_decline" : "soft_decline",
      reference: null,
      code: e.extensions.legacyCode,
      message: e.message ?? "declined",
      retry: rule.retry,
      vendor: vendor(code, x.body),
    };
  }
  if (e?.extensions?.errorClass === "NOT_FOUND")
    return {
      status: "hard_decline",
      reference: null,
      code: "payment_method_unknown",
      message: e.message ?? "not found",
      retry: { allowed: false },
      vendor: vendor(code, x.body),
    };
  return errorOrUnknown(x, e, code);
}

/** Refused before processing (failover is safe), or — INTERNAL, SERVICE_AVAILABILITY, a 5xx, anything unreadable — maybe processed. */
function errorOrUnknown(x: Answer, e: BraintreeError | undefined, code: string) {
  const cls = e?.extensions?.errorClass;
  if ((cls && NOT_PROCESSED.has(cls)) || x.status === 401 || x.status === 403 || x.status === 429)
    return notProcessedError(code, e?.message ?? `HTTP ${x.status}`, x.body);
  return unreadable("braintree", x, code);
}

/** An answer to a mutation that returns `{ transaction }` (charge, authorize, capture). */
export function paymentAnswer(x: Exchange, field: string, sent: BraintreeMoney | undefined): PaymentOutcome {
  if (x.kind !== "answer") return noAnswer(x);
  const a = read<Record<string, { transaction?: BraintreeTransaction } | null>>(x);
  const t = a?.data?.[field]?.transaction;
  if (t?.id && t.status) {
    if (sent) checkSame(sent, t.amount);
    // The transaction itself as the raw excerpt: a replay found by search then answers the same.
    return transactionOutcome(t, JSON.stringify(t));
  }
  return errorsOutcome(x, firstError(a));
}

/** Refusals of captures, reversals and refunds: Braintree processed the request and said no. */
export function operationRefused(x: Exchange): OperationOutcome {
  if (x.kind !== "answer") return noAnswer(x);
  const e = firstError(read(x));
  const code = e?.extensions?.legacyCode ?? e?.extensions?.errorClass ?? `http_${x.status}`;
  const cls = e?.extensions?.errorClass;
  if (cls === "VALIDATION" || cls === "NOT_FOUND")
    return { status: "refused", reference: null, code, message: e?.message ?? code, vendor: vendor(code, x.body) };
  return errorOrUnknown(x, e, code);
}

export const minorOf = (m: BraintreeMoney | null | undefined, fallback: number) =>
  m ? fromDecimalString(m.value, m.currencyCode) : fallback;
