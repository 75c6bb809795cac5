import type { Payment, PaymentKind, ProviderConfig } from "@tessera/core";
import type { PaymentRow } from "../../db/types.js";
import type { ProviderOutcome } from "./provider.js";

export function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    object: "payment",
    amount: Number(row.amount),
    currency: row.currency,
    status: row.status,
    refunded_amount: Number(row.refunded_amount),
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
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Where a storefront's payments can go: its providers in routing order, registered ones only. */
export interface Routing {
  storefrontId: string;
  providers: ProviderConfig[];
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
}

/** `unavailable`: no provider could be reached, and none processed the charge. */
export type ChargeOutcome = ProviderOutcome | { status: "unavailable"; message: string };

/** The row an outcome leaves, without writing it. */
export function withOutcome(payment: PaymentRow, outcome: ChargeOutcome, now: string): PaymentRow {
  const next: PaymentRow = { ...payment, updated_at: now };
  switch (outcome.status) {
    case "succeeded":
    case "authorized":
      return { ...next, status: "succeeded", provider_reference: outcome.reference };
    case "failed":
      return {
        ...next,
        status: "failed",
        provider_reference: outcome.reference,
        failure_code: outcome.code,
        failure_message: outcome.message,
        retryable: outcome.retryable ? 1 : 0,
      };
    case "unavailable":
      return {
        ...next,
        status: "failed",
        failure_code: "provider_unavailable",
        failure_message: outcome.message,
        retryable: 1,
      };
    case "pending":
      return { ...next, provider_reference: outcome.reference };
  }
}
