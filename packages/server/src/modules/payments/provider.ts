import type { Scope } from "../../context.js";

/*
 * The payment-provider adapter contract (DESIGN §7). Real adapters (Stripe, Adyen, …) and the
 * sandbox implement it. Two rules every adapter keeps:
 *
 *  1. Every call carries an idempotency key, and the same key yields the same outcome without a
 *     second charge: that is what makes a retried renewal (after a crash, or when two workers
 *     race) charge at most once.
 *  2. A decline is an outcome (data), not an exception. Exceptions are for infrastructure:
 *     `ProviderUnavailableError` means the provider certainly did NOT process the request (it
 *     refused the connection, answered 503 before processing), so routing may fail over to the
 *     next provider. When the request may have been processed (a timeout after sending), the
 *     outcome is `pending` and is resolved later with `retrieve`; never fail over on that.
 */

export interface ProviderContext {
  scope: Scope;
  /** The storefront's public settings for this provider. */
  config: Record<string, string | number | boolean>;
  /** The decrypted credentials, loaded only by adapters that need them. */
  credentials(): Promise<Record<string, string>>;
}

export interface ChargeRequest {
  idempotencyKey: string;
  /** Minor units of `currency`. */
  amount: number;
  currency: string;
  /** The provider's payment method token, `pm_…`. */
  paymentMethod: string;
  /** Our customer id, as the provider's customer reference. */
  customer: string;
  description?: string;
}

export type ProviderOutcome =
  | { status: "succeeded"; reference: string }
  | { status: "authorized"; reference: string }
  | { status: "failed"; reference: string | null; code: string; message: string; retryable: boolean }
  /** The outcome is unknown (the provider did not answer in time): resolve it with `retrieve`. */
  | { status: "pending"; reference: string | null };

export interface CaptureRequest {
  idempotencyKey: string;
  /** The authorization's reference. */
  reference: string;
  /** Defaults to the authorized amount. */
  amount?: number;
}

export interface RefundRequest {
  idempotencyKey: string;
  /** The charge's reference. */
  reference: string;
  amount: number;
  currency: string;
}

export type RefundOutcome =
  | { status: "succeeded"; reference: string }
  | { status: "failed"; reference: string | null; code: string; message: string };

export interface RetrieveRequest {
  /** The key of the original charge: adapters whose API cannot look up by key replay the request. */
  idempotencyKey: string;
  reference: string | null;
}

export interface PaymentProvider {
  readonly name: string;
  authorize(ctx: ProviderContext, request: ChargeRequest): Promise<ProviderOutcome>;
  capture(ctx: ProviderContext, request: CaptureRequest): Promise<ProviderOutcome>;
  /** authorize + capture in one step. */
  charge(ctx: ProviderContext, request: ChargeRequest): Promise<ProviderOutcome>;
  refund(ctx: ProviderContext, request: RefundRequest): Promise<RefundOutcome>;
  /** The current outcome of an earlier charge (used to resolve `pending`). */
  retrieve(ctx: ProviderContext, request: RetrieveRequest): Promise<ProviderOutcome>;
}

/** The provider certainly did not process the request: safe to fail over to the next one. */
export class ProviderUnavailableError extends Error {
  override name = "ProviderUnavailableError";
}

/**
 * The same idempotency key was sent with different parameters: a bug on our side, never retried
 * (a real provider answers this with an error too, e.g. Stripe's idempotency_key_in_use).
 */
export class IdempotencyMismatchError extends Error {
  override name = "IdempotencyMismatchError";
}
