import { z } from "zod";
import { Currency, ListQuery, Metadata, Timestamp } from "./common.js";
import { ChannelName } from "./storefronts.js";

/*
 * Campaigns (docs/campaigns.md): coupons (what is taken off, for how long, for whom) and the
 * customer-facing promotion codes that redeem them, modelled on Stripe's Coupon and PromotionCode
 * objects. A redemption puts a discount on a subscription; every redemption and every refusal is a
 * ledger entry with the checks that decided it.
 */

const Country = z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code such as DE");
const Minor = z.number().int().min(1).max(100_000_000_00);
const PerCurrency = z
  .record(Currency, Minor)
  .refine((m) => Object.keys(m).length >= 1 && Object.keys(m).length <= 50, "one to 50 currencies");

export const CouponDuration = z.enum(["once", "repeating", "forever"]).meta({
  description:
    "once: the next charge only; repeating: `duration_in_periods` charged periods; forever: every charge while the discount lasts.",
});
export type CouponDuration = z.infer<typeof CouponDuration>;

export const CampaignTrigger = z.enum(["win_back", "dunning_recovery", "upgrade", "api"]).meta({
  description:
    "win_back: a subscription of the customer was cancelled or expired; dunning_recovery: a renewal failed and the subscription entered grace; upgrade: the customer changed to another plan; api: a trusted key called POST /v1/customers/{id}/campaign-offers.",
});
export type CampaignTrigger = z.infer<typeof CampaignTrigger>;

export const CouponAppliesTo = z
  .object({
    bundles: z.array(z.string().min(1)).max(100).optional(),
    prices: z.array(z.string().min(1)).max(100).optional(),
    storefronts: z.array(z.string().min(1)).max(100).optional(),
    channels: z.array(ChannelName).max(10).optional(),
    countries: z.array(Country).max(300).optional(),
  })
  .strict()
  .meta({
    id: "CouponAppliesTo",
    description: "Each list given restricts the coupon to its members (a price matches by its id or its bundle's).",
  });
export type CouponAppliesTo = z.infer<typeof CouponAppliesTo>;

export const CouponVelocity = z
  .object({
    per_code_per_hour: z.number().int().min(1).max(1_000_000).optional().meta({
      description: "At most this many redemptions of one promotion code (or of the coupon itself) per hour.",
    }),
    per_fingerprint_per_day: z.number().int().min(1).max(1000).optional().meta({
      description: "At most this many redemptions of the coupon per payment-method fingerprint per 24 hours.",
    }),
  })
  .strict()
  .meta({ id: "CouponVelocity" });

export const CouponTriggerSettings = z
  .object({
    type: CampaignTrigger,
    offer_valid_days: z.number().int().min(1).max(365).default(14).meta({
      description: "How long an offer issued by the trigger may be redeemed.",
    }),
    max_offers_per_customer: z.number().int().min(1).max(100).default(1).meta({
      description: "How often a customer may hit the trigger (be offered this coupon) within `window_days`.",
    }),
    window_days: z.number().int().min(1).max(3650).default(365),
  })
  .strict()
  .meta({ id: "CouponTrigger" });

const CouponFields = {
  name: z.string().min(1).max(200),
  percent_off: z.number().gt(0).max(100).multipleOf(0.01).optional().meta({
    description: "Percent taken off each discounted charge (up to two decimals). Exclusive with amounts_off.",
  }),
  amounts_off: PerCurrency.optional().meta({
    description: "Minor units taken off per currency, e.g. { EUR: 200 }. A price in another currency does not match.",
  }),
  duration: CouponDuration,
  duration_in_periods: z.number().int().min(1).max(120).optional().meta({ description: "Required for repeating." }),
  applies_to: CouponAppliesTo.optional(),
  first_subscription_only: z.boolean().default(false).meta({
    description: "Only for a customer's first subscription (none before, of any status).",
  }),
  minimum_amounts: PerCurrency.optional().meta({ description: "The price must be at least this, per currency." }),
  starts_at: Timestamp.optional(),
  ends_at: Timestamp.optional().meta({
    description: "Redeemable until (exclusive). Discounts already applied keep running.",
  }),
  max_redemptions: z.number().int().min(1).max(100_000_000).optional(),
  max_redemptions_per_customer: z.number().int().min(1).max(1000).optional(),
  velocity: CouponVelocity.optional(),
  trigger: CouponTriggerSettings.optional().meta({
    description: "Redeemable only with an open offer, issued to the customer by this trigger.",
  }),
  metadata: Metadata.optional(),
};

export const CreateCoupon = z
  .object(CouponFields)
  .strict()
  .superRefine((c, ctx) => {
    if ((c.percent_off === undefined) === (c.amounts_off === undefined))
      ctx.addIssue({ code: "custom", path: ["percent_off"], message: "give exactly one of percent_off, amounts_off" });
    if ((c.duration === "repeating") !== (c.duration_in_periods !== undefined))
      ctx.addIssue({
        code: "custom",
        path: ["duration_in_periods"],
        message: "is required for a repeating coupon and only for it",
      });
    if (c.starts_at && c.ends_at && c.starts_at >= c.ends_at)
      ctx.addIssue({ code: "custom", path: ["ends_at"], message: "must be after starts_at" });
  })
  .meta({ id: "CreateCoupon" });
export type CreateCoupon = z.infer<typeof CreateCoupon>;

/** What can change once created: the terms of what was promised cannot. */
export const UpdateCoupon = z
  .object({
    name: CouponFields.name.optional(),
    ends_at: Timestamp.nullable().optional(),
    max_redemptions: CouponFields.max_redemptions.nullable(),
    velocity: CouponVelocity.nullable(),
    metadata: Metadata.optional(),
  })
  .partial()
  .strict()
  .meta({ id: "UpdateCoupon" });
export type UpdateCoupon = z.infer<typeof UpdateCoupon>;

export const CampaignStatus = z.enum(["active", "archived"]);

export const Coupon = z
  .object({
    id: z.string(),
    object: z.literal("coupon"),
    name: z.string(),
    percent_off: z.number().nullable(),
    amounts_off: z.record(z.string(), z.number().int()).nullable(),
    duration: CouponDuration,
    duration_in_periods: z.number().int().nullable(),
    applies_to: CouponAppliesTo,
    first_subscription_only: z.boolean(),
    minimum_amounts: z.record(z.string(), z.number().int()).nullable(),
    starts_at: Timestamp.nullable(),
    ends_at: Timestamp.nullable(),
    max_redemptions: z.number().int().nullable(),
    max_redemptions_per_customer: z.number().int().nullable(),
    times_redeemed: z.number().int(),
    velocity: CouponVelocity.nullable(),
    trigger: CouponTriggerSettings.nullable(),
    status: CampaignStatus,
    metadata: z.record(z.string(), z.string()),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "Coupon" });
export type Coupon = z.infer<typeof Coupon>;

export const CreatePromotionCode = z
  .object({
    coupon: z.string().min(1),
    code: z
      .string()
      .regex(/^[A-Za-z0-9_-]{3,40}$/, "3–40 letters, digits, - or _")
      .meta({ description: "What customers type; compared case-insensitively, unique in the environment." }),
    customer: z.string().min(1).optional().meta({ description: "Only this customer may redeem it." }),
    max_redemptions: z.number().int().min(1).max(100_000_000).optional(),
    expires_at: Timestamp.optional(),
    metadata: Metadata.optional(),
  })
  .strict()
  .meta({ id: "CreatePromotionCode" });
export type CreatePromotionCode = z.infer<typeof CreatePromotionCode>;

export const PromotionCode = z
  .object({
    id: z.string(),
    object: z.literal("promotion_code"),
    coupon: z.string(),
    code: z.string(),
    customer: z.string().nullable(),
    max_redemptions: z.number().int().nullable(),
    times_redeemed: z.number().int(),
    expires_at: Timestamp.nullable(),
    status: CampaignStatus,
    metadata: z.record(z.string(), z.string()),
    created_at: Timestamp,
  })
  .meta({ id: "PromotionCode" });
export type PromotionCode = z.infer<typeof PromotionCode>;

export const CouponListQuery = ListQuery.extend({ status: CampaignStatus.optional() });
export const PromotionCodeListQuery = ListQuery.extend({
  coupon: z.string().optional(),
  code: z.string().optional().meta({ description: "Case-insensitive exact match." }),
  status: CampaignStatus.optional(),
});

/** A code or a coupon id to redeem (one of them), as `POST /v1/subscriptions` and the discount route take. */
export const RedeemInput = z
  .object({
    promotion_code: z.string().min(1).max(40).optional().meta({ description: "A promotion code as typed." }),
    coupon: z.string().min(1).optional().meta({ description: "A coupon id, applied directly (no code)." }),
  })
  .strict();

export const ApplyDiscount = RedeemInput.extend({
  payment_method_fingerprint: z.string().min(1).max(200).optional().meta({
    description: "For the per-fingerprint velocity limit when the subscription's method is not a stored one.",
  }),
})
  .strict()
  .refine((b) => (b.promotion_code === undefined) !== (b.coupon === undefined), {
    message: "give exactly one of promotion_code, coupon",
    path: ["promotion_code"],
  })
  .meta({ id: "ApplyDiscount" });
export type ApplyDiscount = z.infer<typeof ApplyDiscount>;

export const Discount = z
  .object({
    id: z.string(),
    object: z.literal("discount"),
    subscription: z.string(),
    customer: z.string(),
    coupon: z.string(),
    promotion_code: z.string().nullable(),
    redemption: z.string(),
    first_period: z.number().int().meta({ description: "The first period index it takes money off." }),
    last_period: z.number().int().nullable().meta({ description: "The last one; null: forever." }),
    status: z.enum(["active", "ended"]),
    ended_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .meta({ id: "Discount" });
export type Discount = z.infer<typeof Discount>;

export const RedemptionCheck = z
  .object({
    check: z.string().meta({ description: "e.g. coupon_active, max_redemptions, velocity_per_fingerprint." }),
    passed: z.boolean(),
    detail: z.string().nullable(),
  })
  .meta({ id: "RedemptionCheck" });
export type RedemptionCheck = z.infer<typeof RedemptionCheck>;

export const RedemptionOutcome = z.enum(["redeemed", "refused", "released"]).meta({
  description: "released: a redemption given back because the subscription it was for was not created.",
});

export const Redemption = z
  .object({
    id: z.string(),
    object: z.literal("redemption"),
    outcome: RedemptionOutcome,
    code: z.string().nullable().meta({ description: "The refusal's error code (null when redeemed)." }),
    coupon: z.string().nullable(),
    promotion_code: z.string().nullable(),
    customer: z.string(),
    subscription: z.string().nullable(),
    checks: z.array(RedemptionCheck),
    request_id: z.string().nullable(),
    created_at: Timestamp,
  })
  .meta({ id: "Redemption" });
export type Redemption = z.infer<typeof Redemption>;

export const RedemptionListQuery = ListQuery.extend({
  coupon: z.string().optional(),
  promotion_code: z.string().optional(),
  customer: z.string().optional(),
  outcome: RedemptionOutcome.optional(),
});
export type RedemptionListQuery = z.infer<typeof RedemptionListQuery>;

export const IssueCampaignOffer = z
  .object({ coupon: z.string().min(1) })
  .strict()
  .meta({ id: "IssueCampaignOffer" });

export const CampaignOffer = z
  .object({
    id: z.string(),
    object: z.literal("campaign_offer"),
    customer: z.string(),
    coupon: z.string(),
    trigger: CampaignTrigger,
    expires_at: Timestamp,
    redeemed_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .meta({ id: "CampaignOffer" });
export type CampaignOffer = z.infer<typeof CampaignOffer>;
