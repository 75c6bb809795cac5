import { z } from "zod";
import { SUBSCRIPTION_STATUSES } from "../subscription-state.js";
import { VendorIds } from "./channels.js";
import { ListQuery, Metadata, Timestamp } from "./common.js";
import { PaymentTax } from "./invoices.js";
import { PaymentAttempt, RoutingDecision } from "./payment-routing.js";
import { PendingPriceChange } from "./price-changes.js";
import { ChannelName } from "./storefronts.js";
import { TrialIdentityInput } from "./trials.js";

export const SubscriptionStatusSchema = z.enum(SUBSCRIPTION_STATUSES);

/**
 * A payment provider's token for a payment method. Raw card numbers never enter Tessera: the
 * merchant's front end hands the card to the provider and sends us only this token.
 */
export const PaymentMethodToken = z
  .string()
  .regex(/^pm_[A-Za-z0-9_]{1,120}$/, "must be a payment method token such as pm_sandbox_ok")
  .meta({ description: "A provider's payment method token (`pm_…`); see docs/lifecycle.md for sandbox tokens." });

export const PaymentStatus = z.enum(["pending", "authorized", "succeeded", "failed", "refunded", "voided"]);
export type PaymentStatus = z.infer<typeof PaymentStatus>;

export const PaymentKind = z.enum(["subscription_create", "trial_conversion", "renewal", "proration", "one_off"]);
export type PaymentKind = z.infer<typeof PaymentKind>;

export const Payment = z
  .object({
    id: z.string(),
    object: z.literal("payment"),
    amount: z.number().int(),
    currency: z.string(),
    status: PaymentStatus.meta({
      description:
        "pending: the outcome is not known yet (in flight, or the provider timed out); resolved by a job. authorized: held, not captured yet (capture or void it). voided: the authorization was released.",
    }),
    refunded_amount: z.number().int(),
    amount_captured: z.number().int().meta({ description: "Captured so far, minor units; refunds draw on it." }),
    amount_capturable: z
      .number()
      .int()
      .meta({ description: "What an `authorized` payment can still capture; 0 otherwise." }),
    authorization_expires_at: Timestamp.nullable().meta({
      description: "When an uncaptured authorization lapses and is voided (reason `expired`); null otherwise.",
    }),
    description: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    kind: PaymentKind,
    provider: z.string(),
    provider_reference: z.string().nullable(),
    failure_code: z.string().nullable(),
    failure_message: z.string().nullable(),
    retryable: z.boolean().nullable().meta({ description: "For a failed payment: whether retrying can succeed." }),
    customer: z.string(),
    subscription: z.string().nullable().meta({ description: "null when the subscription was never created." }),
    period_index: z.number().int().meta({ description: "The billing period it pays (1 = the first paid period)." }),
    attempt: z.number().int().meta({ description: "1 for the first try of this period, 2… for retries." }),
    payment_method: z.string(),
    idempotency_key: z.string().meta({
      description:
        "Sent to the provider: the same key never charges twice. After a cascade, the current provider's key.",
    }),
    routing: RoutingDecision.nullable().meta({
      description: "Where routing sent it and why (null for payments made before routing kept decisions).",
    }),
    dispute: z
      .object({
        status: z.enum(["open", "won", "lost"]),
        amount: z.number().int().nullable().meta({ description: "Disputed amount in minor units, when the PSP says." }),
        reason: z.string().nullable(),
      })
      .nullable()
      .meta({ description: "A chargeback reported by the PSP: open, then won or lost." }),
    tax: PaymentTax.nullable().meta({
      description:
        "Tax added to a tax-exclusive price (amount = net + tax.amount); null when the price includes tax or nothing was added.",
    }),
    settled_at: Timestamp.nullable().meta({
      description:
        "When the PSP reported the captured money settled (its settlement webhook); null until then, and for PSPs that report settlement only in reports.",
    }),
    attempts: z
      .array(PaymentAttempt)
      .meta({ description: "Every provider tried, in order; the last is the current one." }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "Payment" });
export type Payment = z.infer<typeof Payment>;

export const StatusChange = z
  .object({
    status: SubscriptionStatusSchema,
    at: Timestamp,
    reason: z.string().meta({ description: "What moved it: created, trial_paid, payment_failed, cancel, …" }),
  })
  .meta({ id: "StatusChange" });
export type StatusChange = z.infer<typeof StatusChange>;

export const PendingPlanChange = z
  .object({ price: z.string(), bundle: z.string(), effective_at: Timestamp })
  .meta({ id: "PendingPlanChange" });
export type PendingPlanChange = z.infer<typeof PendingPlanChange>;

export const Subscription = z
  .object({
    id: z.string(),
    object: z.literal("subscription"),
    customer: z.string(),
    storefront: z.string(),
    bundle: z.string(),
    price: z.string(),
    channel: ChannelName,
    status: SubscriptionStatusSchema,
    period_index: z.number().int().meta({ description: "0 during a trial, then 1, 2, … per paid period." }),
    current_period_start: Timestamp,
    current_period_end: Timestamp,
    trial_end: Timestamp.nullable(),
    cancel_at_period_end: z.boolean(),
    cancelled_at: Timestamp.nullable(),
    ended_at: Timestamp.nullable(),
    next_retry_at: Timestamp.nullable().meta({ description: "In grace: when the next dunning step runs." }),
    status_history: z.array(StatusChange),
    pending_plan_change: PendingPlanChange.nullable(),
    pending_price_change: PendingPriceChange.nullable().meta({
      description:
        "A price migration's change waiting for its renewal (docs/price-changes.md); consent says whether the " +
        "customer must (required), did (given) or refused (declined) to agree.",
    }),
    payment_method: z.string().nullable().meta({
      description: "null for a subscription a store or partner manages (channel other than `direct`): it charges.",
    }),
    latest_payment: Payment.nullable(),
    vendor: VendorIds.nullable()
      .optional()
      .meta({
        description:
          "GET by id: the vendor's ids (App Store originalTransactionId, Play purchase token …) of a subscription a " +
          "store or partner manages (absent for `direct`; null until the vendor's first notification is linked).",
      }),
    metadata: z.record(z.string(), z.string()),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "Subscription" });
export type Subscription = z.infer<typeof Subscription>;

export const CreateSubscription = z
  .object({
    customer: z.string().min(1).meta({ description: "Customer id." }),
    price: z.string().min(1).meta({ description: "Price id; its bundle must be sold by the customer's storefront." }),
    channel: ChannelName.default("direct").meta({
      description:
        "Only `direct` is created through the API (422 CHANNEL_MANAGED_EXTERNALLY for the others: their " +
        "subscriptions come from the vendor's notifications); 422 CHANNEL_NOT_ENABLED when the customer's " +
        "storefront does not enable the channel.",
    }),
    payment_method: PaymentMethodToken,
    trial_days: z
      .number()
      .int()
      .min(0)
      .max(730)
      .optional()
      .meta({ description: "Overrides the price's trial_days; 0 charges at once." }),
    trial_identity: TrialIdentityInput.optional().meta({
      description: "Device, line and payment fingerprint of the sign-up, for the storefront's trial policy.",
    }),
    promotion_code: z.string().min(1).max(40).optional().meta({
      description:
        "A promotion code to redeem (docs/campaigns.md); refused with the failed check if it does not apply.",
    }),
    coupon: z.string().min(1).optional().meta({ description: "A coupon id to apply directly (no code)." }),
    metadata: Metadata.optional(),
    return_url: z
      .url()
      .max(2000)
      .optional()
      .meta({
        description:
          "The customer is present: the first payment may ask for 3-D Secure (402 PAYMENT_ACTION_REQUIRED with " +
          "`payment` and `next_action`), and a redirect returns the customer here. No subscription exists until " +
          "the same request is sent again with `payment` after the customer acted.",
      }),
    payment: z.string().min(1).max(100).optional().meta({
      description: "Completes a first payment that needed the customer's action (see return_url).",
    }),
    action_result: z
      .record(z.string().max(64), z.string().max(8000))
      .optional()
      .meta({ description: "What the customer's action returned (Adyen redirectResult, iyzico conversationData…)." }),
  })
  .strict()
  .meta({ id: "CreateSubscription" });
export type CreateSubscription = z.infer<typeof CreateSubscription>;

export const CancelSubscription = z
  .object({
    at_period_end: z.boolean().meta({
      description: "true: keeps access until the period ends, then cancels (undo with /resume). false: cancels now.",
    }),
  })
  .strict()
  .meta({ id: "CancelSubscription" });
export type CancelSubscription = z.infer<typeof CancelSubscription>;

export const ChangePlan = z
  .object({
    price: z.string().min(1).meta({ description: "The new price id (same currency)." }),
    proration: z.enum(["now", "period_end"]).meta({
      description:
        "now: switch at once, charging the new price for the rest of the period minus a credit for the unused " +
        "part of the old one (refused when that would be negative: a downgrade). period_end: switch at renewal.",
    }),
  })
  .strict()
  .meta({ id: "ChangePlan" });
export type ChangePlan = z.infer<typeof ChangePlan>;

export const UpdatePaymentMethod = z
  .object({ payment_method: PaymentMethodToken })
  .strict()
  .meta({ id: "UpdatePaymentMethod" });
export type UpdatePaymentMethod = z.infer<typeof UpdatePaymentMethod>;

export const SubscriptionListQuery = ListQuery.extend({
  customer: z.string().min(1).optional(),
  status: SubscriptionStatusSchema.optional(),
});
export type SubscriptionListQuery = z.infer<typeof SubscriptionListQuery>;

export const PaymentListQuery = ListQuery.extend({
  customer: z.string().min(1).optional(),
  subscription: z.string().min(1).optional(),
  status: PaymentStatus.optional(),
});
export type PaymentListQuery = z.infer<typeof PaymentListQuery>;

export const RefundPayment = z
  .object({
    amount: z.number().int().min(1).optional().meta({ description: "Minor units; default: all that is left." }),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .meta({ id: "RefundPayment" });
export type RefundPayment = z.infer<typeof RefundPayment>;

export const CreatePayment = z
  .object({
    customer: z.string().min(1),
    amount: z.number().int().min(1).meta({ description: "Minor units of `currency`." }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as EUR")
      .meta({ description: "ISO 4217, upper case." }),
    payment_method: PaymentMethodToken.optional().meta({ description: "Default: the customer's default method." }),
    description: z.string().max(500).optional(),
    capture: z
      .boolean()
      .optional()
      .meta({ description: "false: authorize only (status `authorized`), capture or void later. Default true." }),
    metadata: z.record(z.string().max(40), z.string().max(500)).optional(),
  })
  .strict()
  .meta({ id: "CreatePayment" });
export type CreatePayment = z.infer<typeof CreatePayment>;

export const CapturePayment = z
  .object({
    amount: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: "Minor units; default: all that is capturable. Less is a partial capture." }),
  })
  .strict()
  .meta({ id: "CapturePayment" });
export type CapturePayment = z.infer<typeof CapturePayment>;
