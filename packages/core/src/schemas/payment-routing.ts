import { z } from "zod";
import { Timestamp } from "./common.js";

/*
 * Payment methods a customer keeps (one provider token per PSP that vaulted it) and the routing
 * that picks a PSP for each payment: per-storefront rules, fee tables, geography preferences, and
 * the explained decision stored with every payment.
 */

const ProviderName = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, "lowercase provider name, e.g. stripe or sandbox");
const Currency = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as EUR");
const Country = z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code such as DE");

export const PaymentMethodType = z.enum(["card"]);
export type PaymentMethodType = z.infer<typeof PaymentMethodType>;

/** How the payment is made: the customer is there (a first payment) or not (renewals, retries). */
export const PaymentChannel = z.enum(["ecommerce", "recurring"]);
export type PaymentChannel = z.infer<typeof PaymentChannel>;

export const CreatePaymentMethod = z
  .object({
    providers: z
      .array(
        z
          .object({
            name: ProviderName,
            token: z
              .string()
              .min(1)
              .max(8000)
              .meta({ description: "The single-use token (or vendor payload) the PSP's client SDK gave you." }),
          })
          .strict(),
      )
      .min(1)
      .max(10)
      .refine((p) => new Set(p.map((x) => x.name)).size === p.length, "each provider at most once")
      .meta({
        description:
          "Where to vault the method: one client token per PSP. Vaulting it at several PSPs lets failover and routing move between them.",
      }),
    default: z
      .boolean()
      .optional()
      .meta({ description: "Make it the customer's default (the first method always is)." }),
  })
  .strict()
  .meta({ id: "CreatePaymentMethod" });
export type CreatePaymentMethod = z.infer<typeof CreatePaymentMethod>;

export const PaymentMethod = z
  .object({
    id: z
      .string()
      .meta({ description: "Use it as a subscription's `payment_method`: each PSP charges its own token." }),
    object: z.literal("payment_method"),
    customer: z.string(),
    type: PaymentMethodType,
    brand: z.string().nullable(),
    last4: z.string().nullable(),
    exp_month: z.number().int().nullable(),
    exp_year: z.number().int().nullable(),
    fingerprint: z.string().nullable().meta({ description: "Same card, same fingerprint, where the PSP gives one." }),
    providers: z
      .array(z.string())
      .meta({ description: "The PSPs holding a token of it: routing considers only these." }),
    default: z.boolean(),
    created_at: Timestamp,
  })
  .meta({ id: "PaymentMethod" });
export type PaymentMethod = z.infer<typeof PaymentMethod>;

const Rule = z
  .object({
    name: z.string().min(1).max(100),
    countries: z.array(Country).max(250).optional(),
    currencies: z.array(Currency).max(200).optional(),
    min_amount: z.number().int().min(0).optional().meta({ description: "Minor units, inclusive." }),
    max_amount: z.number().int().min(0).optional().meta({ description: "Minor units, inclusive." }),
    method_types: z.array(PaymentMethodType).optional(),
    channels: z.array(PaymentChannel).optional(),
    providers: z.array(ProviderName).min(1).max(10).meta({ description: "The candidates when the rule matches." }),
  })
  .strict()
  .meta({ id: "RoutingRule" });

const Fee = z
  .object({
    provider: ProviderName,
    currency: Currency.optional().meta({ description: "Omit for the provider's fee in any other currency." }),
    percent_bps: z.number().int().min(0).max(10_000).meta({ description: "Percentage in basis points (2.9% = 290)." }),
    fixed: z.number().int().min(0).meta({ description: "Fixed fee in minor units of the payment's currency." }),
  })
  .strict()
  .meta({ id: "RoutingFee" });

export const RoutingWeights = z
  .object({
    success: z.number().min(0).max(100),
    cost: z.number().min(0).max(100),
    geography: z.number().min(0).max(100),
    order: z.number().min(0).max(100).meta({
      description: "The storefront's provider order as a preference: evidence must outweigh it to change the primary.",
    }),
  })
  .strict()
  .meta({ id: "RoutingWeights" });
export type RoutingWeights = z.infer<typeof RoutingWeights>;

export const PROVIDER_FEATURES = [
  "separate_capture",
  "partial_capture",
  "void",
  "partial_refund",
  "multiple_refunds",
  "customer_actions",
  "vaulting",
] as const;
export const ProviderFeature = z.enum(PROVIDER_FEATURES);
export type ProviderFeature = z.infer<typeof ProviderFeature>;

/**
 * Card networks cap how often a declined card may be retried (Visa: 15 reattempts in 30 days;
 * Mastercard: 35). Dunning stops charging a stored card of that brand once its declines in the
 * last 30 days reach the cap + 1 (the first decline and its reattempts).
 */
export const NetworkRetryCaps = z
  .record(z.string().regex(/^[a-z_]{2,30}$/, "a card brand such as visa"), z.number().int().min(0).max(100))
  .meta({ id: "NetworkRetryCaps", description: "Reattempts of a declined card allowed per 30 days, by card brand." });

export const PaymentRoutingSettings = z
  .object({
    rules: z.array(Rule).max(50).default([]).meta({
      description: "Checked in order; the first that matches names the candidates. None matching: every provider.",
    }),
    fees: z.array(Fee).max(500).default([]),
    geography: z
      .array(
        z.object({ countries: z.array(Country).min(1).max(250), providers: z.array(ProviderName).min(1) }).strict(),
      )
      .max(100)
      .default([])
      .meta({
        description: "Preferred providers per region: a candidate listed for the payer's country scores higher.",
      }),
    required_features: z.array(ProviderFeature).max(PROVIDER_FEATURES.length).default([]),
    weights: RoutingWeights.default({ success: 60, cost: 25, geography: 25, order: 15 }),
    network_retry_caps: NetworkRetryCaps.default({ visa: 15, mastercard: 35 }),
  })
  .strict()
  .meta({ id: "PaymentRoutingSettings" });
export type PaymentRoutingSettings = z.infer<typeof PaymentRoutingSettings>;
export type PaymentRoutingSettingsInput = z.input<typeof PaymentRoutingSettings>;

export const RoutingCandidate = z
  .object({
    provider: z.string(),
    eligible: z.boolean(),
    excluded: z.string().nullable().meta({ description: "Why it could not take the payment." }),
    score: z.number().nullable(),
    success_rate: z.number().nullable().meta({ description: "Decayed success rate (PSP × country × method)." }),
    observations: z.number().nullable().meta({ description: "Decayed number of attempts behind the rate." }),
    fee: z.number().int().nullable().meta({ description: "Estimated fee, minor units." }),
    preferred: z.boolean(),
  })
  .meta({ id: "RoutingCandidate" });
export type RoutingCandidate = z.infer<typeof RoutingCandidate>;

export const RoutingDecision = z
  .object({
    inputs: z.object({
      country: z.string().nullable(),
      currency: z.string(),
      amount: z.number().int(),
      method_type: PaymentMethodType,
      channel: PaymentChannel,
    }),
    rule: z.string().nullable().meta({ description: "The rule that chose the candidates; null: none matched." }),
    candidates: z.array(RoutingCandidate).meta({ description: "Eligible ones in the order they are tried." }),
    chosen: z.string().nullable(),
    reason: z.string(),
    decided_at: Timestamp,
  })
  .meta({ id: "RoutingDecision" });
export type RoutingDecision = z.infer<typeof RoutingDecision>;

export const RoutePreview = z
  .object({
    storefront: z.string().min(1).meta({ description: "Storefront id or key." }),
    amount: z.number().int().min(0),
    currency: Currency,
    country: Country.optional(),
    method_type: PaymentMethodType.default("card"),
    channel: PaymentChannel.default("recurring"),
    payment_method: z
      .string()
      .optional()
      .meta({ description: "A stored payment method: only its PSPs are candidates." }),
    customer: z
      .string()
      .optional()
      .meta({ description: "Needed with payment_method; gives the country when omitted." }),
  })
  .strict()
  .meta({ id: "RoutePreview" });
export type RoutePreview = z.infer<typeof RoutePreview>;

export const PaymentAttempt = z
  .object({
    provider: z.string(),
    idempotency_key: z.string().meta({ description: "Each PSP tried gets a key of its own." }),
    result: z
      .enum(["error", "unknown", "soft_decline", "pending", "authorized", "succeeded", "failed", "refunded", "voided"])
      .meta({
        description:
          "Attempts cascaded away from: `error` / `unknown` (never sent) / `soft_decline` (try another acquirer). The last attempt: the payment's status.",
      }),
    code: z.string().nullable(),
    message: z.string().nullable(),
    at: Timestamp,
  })
  .meta({ id: "PaymentAttempt" });
export type PaymentAttempt = z.infer<typeof PaymentAttempt>;

/** A storefront's routing settings as the API returns them. */
export const PaymentRouting = z
  .object({
    object: z.literal("payment_routing"),
    storefront: z.string(),
    rules: z.array(Rule),
    fees: z.array(Fee),
    geography: z.array(z.object({ countries: z.array(z.string()), providers: z.array(z.string()) })),
    required_features: z.array(ProviderFeature),
    weights: RoutingWeights,
    network_retry_caps: NetworkRetryCaps,
  })
  .meta({ id: "PaymentRouting" });
export type PaymentRouting = z.infer<typeof PaymentRouting>;
