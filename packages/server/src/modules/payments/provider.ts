import type { Kysely } from "kysely";
import type { Scope } from "../../context.js";
import type { Database } from "../../db/types.js";
import type { Clock } from "../../lib/clock.js";

/*
 * The payment-provider port, version 2 (DESIGN §7; docs/architecture.md "Payment provider port").
 * Real adapters (Stripe, Adyen, Braintree, PayPal, iyzico) and the sandbox implement it, and every
 * one runs the contract suite in contract.ts. The rules every adapter keeps:
 *
 *  1. Every money-moving call carries an idempotency key, and the same key yields the same outcome
 *     without moving money twice; the same key with other parameters throws IdempotencyMismatchError.
 *  2. Outcomes are data, never exceptions: a decline, an outage, a lost answer are all outcomes.
 *     Exceptions are for bugs and for a request the adapter could not even build.
 *  3. `unknown` says whether the request left us (`sent`). Before sending, nothing can have
 *     happened, so routing may fail over; after sending, the provider may have charged, so the
 *     payment stays pending until `retrieve` (or a webhook) says what happened. Never fail over then.
 *  4. Every outcome keeps the vendor's own code and a short raw excerpt, for support and audits.
 */

/** What an adapter can do. The contract suite and the services skip what is false. */
export interface Capabilities {
  /** authorize, then capture later (otherwise only `charge`). */
  separateCapture: boolean;
  /** capture less than was authorized. */
  partialCapture: boolean;
  /** release an authorization without capturing (`void`). */
  void: boolean;
  /** refund less than was captured. */
  partialRefund: boolean;
  /** several refunds of one charge. */
  multipleRefunds: boolean;
  /** 3-D Secure and other customer actions: outcomes may be `requires_action`. */
  customerActions: boolean;
  /** store a payment method for later off-session charges (`savePaymentMethod`). */
  vaulting: boolean;
  /** a charge may settle later (`pending`), reported by `retrieve` or a webhook. */
  asynchronousSettlement: boolean;
  /** the vendor pushes events that `handleWebhook` verifies. */
  webhooks: boolean;
  /** charges need the buyer's identity (`ChargeRequest.buyer`), which the service then loads. */
  buyerIdentity?: boolean;
}

/** The vendor's own words, kept on every outcome. */
export interface VendorDetail {
  /** The vendor's code (`card_declined/insufficient_funds`, Adyen refusalReasonCode `51`, …). */
  code: string | null;
  /** A short excerpt of the raw answer (at most RAW_EXCERPT_LIMIT characters, no card data). */
  raw: string | null;
}

export const RAW_EXCERPT_LIMIT = 500;

/** Trims a raw vendor answer to the excerpt kept on outcomes and events. */
export function rawExcerpt(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  return raw.length > RAW_EXCERPT_LIMIT ? `${raw.slice(0, RAW_EXCERPT_LIMIT - 1)}…` : raw;
}

/**
 * Whether and how a declined charge may be retried, as the adapter reads the vendor's answer
 * (network advice codes, Stripe's decline codes, Adyen's refusal reasons…).
 */
export interface RetryAdvice {
  allowed: boolean;
  /** Not before this many seconds (a network's "retry after" advice). */
  afterSeconds?: number;
  /** The issuer might approve through another acquirer: routing may cascade at once. */
  tryAnotherAcquirer?: boolean;
}

/** What the customer must do before the charge can complete (3-D Secure, a wallet redirect). */
export interface NextAction {
  type: "redirect" | "three_d_secure" | "sdk";
  /** Where to send the customer, for a redirect-style action. */
  url?: string;
  /** Vendor data a client SDK needs (a client secret, an action token…). */
  data?: Record<string, string>;
}

export type PaymentOutcome =
  | { status: "succeeded"; reference: string; vendor: VendorDetail }
  | { status: "authorized"; reference: string; vendor: VendorDetail }
  | { status: "requires_action"; reference: string; action: NextAction; vendor: VendorDetail }
  /** Accepted, not final (asynchronous settlement): `retrieve` or a webhook tells the end. */
  | { status: "pending"; reference: string; vendor: VendorDetail }
  | {
      status: "soft_decline" | "hard_decline";
      reference: string | null;
      /** The vendor's decline code: what `failure_code` keeps. */
      code: string;
      message: string;
      retry: RetryAdvice;
      vendor: VendorDetail;
    }
  /** The provider certainly did not process the request (refused connection, 5xx before processing). */
  | { status: "error"; reference: null; code: string; message: string; vendor: VendorDetail }
  /** No answer. `sent: false`: the request never left (safe to fail over); `sent: true`: it may have charged. */
  | { status: "unknown"; sent: boolean; reference: string | null; message: string; vendor: VendorDetail };

export type PaymentOutcomeStatus = PaymentOutcome["status"];

/** Captures, voids and refunds: they act on an existing charge. */
export type OperationOutcome =
  | { status: "succeeded"; reference: string; amount: number; vendor: VendorDetail }
  /** Accepted, final later (an asynchronous refund). */
  | { status: "pending"; reference: string; amount: number; vendor: VendorDetail }
  /** The provider processed and refused it (over-refund, already voided, no such charge…). */
  | { status: "refused"; reference: string | null; code: string; message: string; vendor: VendorDetail }
  | { status: "error"; reference: null; code: string; message: string; vendor: VendorDetail }
  | { status: "unknown"; sent: boolean; reference: null; message: string; vendor: VendorDetail };

export interface ProviderContext {
  scope: Scope;
  /** The storefront's public settings for this provider. */
  config: Record<string, string | number | boolean>;
  /** The decrypted credentials, loaded only by adapters that need them. */
  credentials(): Promise<Record<string, string>>;
}

/**
 * Who pays, for PSPs that must report the buyer on every payment (iyzico: name, surname, identity
 * number, e-mail, address, IP). Built by the payments service from our customer and, where the
 * merchant keeps them, the customer's billing details (invoicing); absent fields are null, never
 * invented. Adapters that need a field and find it null refuse the charge before sending it.
 */
export interface Buyer {
  /** Our customer id. */
  id: string;
  email: string | null;
  /** The billing name (else the customer's name), as one string. */
  name: string | null;
  /** Turkey: the TCKN (individuals) or VKN (businesses) from the billing details' tax number. */
  identityNumber: string | null;
  /** ISO 3166-1 alpha-2: the billing address's country, else the customer's. */
  country: string | null;
  address: { line1: string; line2: string | null; city: string; postalCode: string | null; country: string } | null;
  /** The customer's IP address, when they are present (a first payment), else null. */
  ip: string | null;
}

export interface ChargeRequest {
  idempotencyKey: string;
  /** Minor units of `currency`. */
  amount: number;
  currency: string;
  /** The provider's payment method token (never a card number). */
  paymentMethod: string;
  /** Our customer id, as the provider's customer reference. */
  customer: string;
  description?: string;
  /** The customer is present (can complete 3-D Secure); false for renewals. */
  onSession?: boolean;
  /** Where a redirect action returns the customer. */
  returnUrl?: string;
  /** The buyer's identity, for PSPs that require it (see Buyer). */
  buyer?: Buyer;
}

/** Completes a charge after the customer's action (Adyen `/payments/details`, Stripe confirm). */
export interface ConfirmRequest {
  idempotencyKey: string;
  reference: string;
  /** What the action returned (redirect result, 3DS result…). */
  data: Record<string, string>;
}

export interface CaptureRequest {
  idempotencyKey: string;
  /** The authorization's reference. */
  reference: string;
  /** Defaults to the authorized amount; less is a partial capture (if the adapter can). */
  amount?: number;
  /** The authorization's currency: vendors whose capture names its amount (Adyen) need it. */
  currency?: string;
}

export interface VoidRequest {
  idempotencyKey: string;
  reference: string;
}

export interface RefundRequest {
  idempotencyKey: string;
  /** The charge's reference. */
  reference: string;
  amount: number;
  currency: string;
}

export interface RetrieveRequest {
  /** The key of the original charge: adapters whose API cannot look up by key replay the request. */
  idempotencyKey: string;
  reference: string | null;
}

/**
 * What `retrieve` answers. `not_found` is definitive: the provider has no such charge, so it never
 * processed one. `error` and `unknown` here mean only that the provider could not be asked now.
 */
export type RetrieveOutcome = PaymentOutcome | { status: "not_found"; reference: null; vendor: VendorDetail };

export interface SavePaymentMethodRequest {
  idempotencyKey: string;
  customer: string;
  /** A single-use token from the vendor's client SDK (never a card number). */
  token: string;
}

/** A stored payment method: what we keep of it (the token charges it later). */
export interface SavedPaymentMethod {
  token: string;
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
  /** Same card, same fingerprint (where the vendor offers one). */
  fingerprint: string | null;
}

export type SavePaymentMethodOutcome =
  | { status: "saved"; method: SavedPaymentMethod; vendor: VendorDetail }
  | { status: "refused"; code: string; message: string; vendor: VendorDetail }
  | { status: "error"; code: string; message: string; vendor: VendorDetail };

export type ProviderEventType =
  | "payment.authorized"
  | "payment.captured"
  | "payment.settled"
  | "payment.failed"
  | "payment.refunded"
  | "payment.refund_failed"
  | "payment.voided"
  | "payment.disputed"
  | "payment.dispute_closed";

/** One fact a provider pushed to us, normalised by its adapter. */
export interface ProviderEvent {
  /** The provider's own event id: the inbox deduplicates on it. */
  id: string;
  type: ProviderEventType;
  /** The provider's reference of the charge the event is about. */
  reference: string;
  /**
   * Our idempotency key of the charge, when the vendor echoes it (Adyen's merchantReference,
   * Stripe metadata): it finds a payment whose answer was lost before we learnt its reference.
   */
  merchantReference?: string;
  /** This event's amount (a refund's, a dispute's), minor units; null when the vendor sends none. */
  amount: number | null;
  currency: string | null;
  /**
   * The charge's totals after the event, when the vendor reports them. Totals make applying an
   * event order-independent (a refund total only grows), so adapters fill them whenever they can.
   */
  totals?: { captured?: number; refunded?: number };
  /**
   * For payment.disputed / payment.dispute_closed: the dispute as the vendor reports it (optional,
   * so adapters written before disputes were applied still conform): `open` while it runs, `won`
   * (the merchant keeps the money) or `lost` when it closes.
   */
  dispute?: { id: string | null; status: "open" | "won" | "lost"; reason: string | null };
  occurredAt: string;
  vendor: VendorDetail;
}

/** A provider webhook as it arrived: the adapter verifies it its vendor's way. */
export interface WebhookRequest {
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The raw body, byte for byte as received (signatures are over it). */
  body: string;
}

export type WebhookResult = { verified: true; events: ProviderEvent[] } | { verified: false; reason: string };

export interface PaymentProvider {
  readonly name: string;
  readonly capabilities: Capabilities;
  /** authorize + capture in one step. */
  charge(ctx: ProviderContext, request: ChargeRequest): Promise<PaymentOutcome>;
  authorize(ctx: ProviderContext, request: ChargeRequest): Promise<PaymentOutcome>;
  /** Completes a `requires_action` charge after the customer acted. */
  confirm(ctx: ProviderContext, request: ConfirmRequest): Promise<PaymentOutcome>;
  capture(ctx: ProviderContext, request: CaptureRequest): Promise<OperationOutcome>;
  void(ctx: ProviderContext, request: VoidRequest): Promise<OperationOutcome>;
  refund(ctx: ProviderContext, request: RefundRequest): Promise<OperationOutcome>;
  /** The current outcome of an earlier charge (resolves `unknown` and `pending`). */
  retrieve(ctx: ProviderContext, request: RetrieveRequest): Promise<RetrieveOutcome>;
  savePaymentMethod(ctx: ProviderContext, request: SavePaymentMethodRequest): Promise<SavePaymentMethodOutcome>;
  /** Verifies a pushed webhook and reads its events; never throws for a forged one. */
  handleWebhook(ctx: ProviderContext, request: WebhookRequest): Promise<WebhookResult>;
}

/** What an adapter factory gets: everything outside itself comes in here, so tests can point it anywhere. */
export interface ProviderDeps {
  /** For adapters that keep books of their own (the sandbox). */
  db?: Kysely<Database>;
  /** The HTTP client: tests pass one that reaches a local server answering in the vendor's shapes. */
  fetch: typeof fetch;
  /** Business time (signature tolerances, expiries). Per-environment test clocks come in the context. */
  clock: Clock;
}

/**
 * The provider certainly did not process the request. Adapters may throw it instead of returning
 * an `error` outcome; the payments service treats both the same (failover where allowed).
 */
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

/** `unknown` before the request left, or `error`: no money can have moved, failover is safe. */
export function notProcessed(
  outcome: PaymentOutcome,
): outcome is Extract<PaymentOutcome, { status: "error" | "unknown" }> {
  return outcome.status === "error" || (outcome.status === "unknown" && !outcome.sent);
}
