import type {
  Payment,
  PaymentAttempt,
  PaymentKind,
  PaymentRoutingSettings,
  PaymentTax,
  ProviderConfig,
  RoutingDecision,
} from "@tessera/core";
import type { PaymentRow } from "../../db/types.js";
import { fromJson } from "../../lib/json.js";
import type { PaymentOutcome, RetrieveOutcome } from "./provider.js";

/** Captured so far: a one-step charge captured its whole amount once it succeeded. */
export function capturedOf(row: PaymentRow): number {
  if (row.amount_captured !== null) return Number(row.amount_captured);
  return row.status === "succeeded" || row.status === "refunded" ? Number(row.amount) : 0;
}

export function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    object: "payment",
    amount: Number(row.amount),
    currency: row.currency,
    status: row.status,
    refunded_amount: Number(row.refunded_amount),
    amount_captured: capturedOf(row),
    amount_capturable: row.status === "authorized" ? Number(row.amount) - capturedOf(row) : 0,
    authorization_expires_at: row.status === "authorized" ? row.authorization_expires_at : null,
    description: row.description,
    metadata: fromJson<Record<string, string>>(row.metadata, {}),
    kind: row.kind,
    provider: row.provider,
    provider_reference: row.provider_reference,
    failure_code: row.failure_code,
    failure_message: row.failure_message,
    retryable: row.retryable === null ? null : row.retryable === 1,
    customer: row.customer_id,
    subscription: row.subscription_id,
    period_index: row.period_index,
    attempt: row.attempt,
    payment_method: row.payment_method,
    idempotency_key: row.idempotency_key,
    routing: fromJson<RoutingDecision | null>(row.routing, null),
    dispute:
      row.dispute_status === null
        ? null
        : {
            status: row.dispute_status,
            amount: row.disputed_amount === null ? null : Number(row.disputed_amount),
            reason: row.dispute_reason,
          },
    tax:
      row.tax_amount === null
        ? null
        : {
            amount: Number(row.tax_amount),
            decision: fromJson<PaymentTax["decision"] | null>(row.tax_decision, null)!,
          },
    settled_at: row.settled_at,
    attempts: [
      ...fromJson<PaymentAttempt[]>(row.attempts, []),
      {
        provider: row.provider,
        idempotency_key: row.idempotency_key,
        result: row.status,
        code: row.failure_code,
        message: row.failure_message,
        at: row.updated_at,
      },
    ],
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Where a storefront's payments can go: its registered providers (in its order) and its routing settings. */
export interface Routing {
  storefrontId: string;
  providers: ProviderConfig[];
  settings: PaymentRoutingSettings;
}

export interface NewAttempt {
  customer: string;
  subscription: string | null;
  kind: PaymentKind;
  amount: number;
  currency: string;
  paymentMethod: string;
  periodIndex: number;
  attempt: number;
  /** The subscription the key names (also for a first charge whose subscription does not exist yet). */
  keyOwner: string;
  correlationId: string | null;
  /** Tax included in `amount` for a tax-exclusive price (billing decides it through invoicing). */
  tax?: PaymentTax | null;
}

/**
 * What billing applies: a provider's answer (a charge's, or a retrieve's), or `unavailable` when no
 * provider could be reached and none processed the charge (an `error` or `unknown` before sending
 * at the end of the failover chain).
 */
export type ChargeOutcome = PaymentOutcome | RetrieveOutcome | { status: "unavailable"; message: string };

/** Whether an outcome settles a payment; otherwise it stays pending and is asked again later. */
export function isFinal(outcome: ChargeOutcome): boolean {
  switch (outcome.status) {
    case "pending":
    case "error":
    case "unknown":
      return false;
    default:
      return true;
  }
}

/**
 * The row an outcome leaves, without writing it. Declines keep the vendor's code as
 * `failure_code`; `retryable` is the decline's retry advice (soft: dunning retries, hard: never).
 */
export function withOutcome(payment: PaymentRow, outcome: ChargeOutcome, now: string): PaymentRow {
  const next: PaymentRow = { ...payment, updated_at: now };
  const failed = (reference: string | null, code: string, message: string, retryable: boolean): PaymentRow => ({
    ...next,
    status: "failed",
    provider_reference: reference ?? next.provider_reference,
    failure_code: code,
    failure_message: message,
    retryable: retryable ? 1 : 0,
  });
  switch (outcome.status) {
    case "succeeded":
    case "authorized":
      return { ...next, status: "succeeded", provider_reference: outcome.reference };
    case "soft_decline":
    case "hard_decline":
      return failed(outcome.reference, outcome.code, outcome.message, outcome.retry.allowed);
    // Off-session (a renewal) nobody can authenticate: a soft decline the customer can fix.
    case "requires_action":
      return failed(
        outcome.reference,
        "authentication_required",
        "The customer must authenticate the payment (3-D Secure)",
        true,
      );
    case "not_found":
      return failed(null, outcome.vendor.code ?? "resource_missing", "The provider has no such charge", true);
    case "unavailable":
      return failed(null, "provider_unavailable", outcome.message, true);
    case "error":
      return failed(null, outcome.code, outcome.message, true);
    case "unknown":
      // Sent: it may have charged, so it stays pending; not sent: nothing happened.
      if (!outcome.sent) return failed(null, "provider_unavailable", outcome.message, true);
      return { ...next, provider_reference: outcome.reference ?? next.provider_reference };
    case "pending":
      return { ...next, provider_reference: outcome.reference };
  }
}
