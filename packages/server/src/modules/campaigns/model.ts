import type {
  CampaignOffer,
  Coupon,
  CouponAppliesTo,
  Discount,
  PromotionCode,
  Redemption,
  RedemptionCheck,
} from "@tessera/core";
import type {
  CampaignOfferRow,
  CampaignRedemptionRow,
  CouponRow,
  DiscountRow,
  PromotionCodeRow,
} from "../../db/types.js";
import { fromJson } from "../../lib/json.js";
import type { CouponTerms } from "./money.js";

export type TriggerSettings = NonNullable<Coupon["trigger"]>;
export type VelocitySettings = NonNullable<Coupon["velocity"]>;

export function termsOf(row: CouponRow): CouponTerms {
  return {
    percentOffHundredths: row.percent_off_hundredths,
    amountsOff: fromJson<Record<string, number> | null>(row.amounts_off, null),
  };
}

export function toCoupon(row: CouponRow): Coupon {
  return {
    id: row.id,
    object: "coupon",
    name: row.name,
    percent_off: row.percent_off_hundredths === null ? null : row.percent_off_hundredths / 100,
    amounts_off: fromJson(row.amounts_off, null),
    duration: row.duration,
    duration_in_periods: row.duration_in_periods,
    applies_to: fromJson<CouponAppliesTo>(row.applies_to, {}),
    first_subscription_only: row.first_subscription_only === 1,
    minimum_amounts: fromJson(row.minimum_amounts, null),
    starts_at: row.starts_at,
    ends_at: row.ends_at,
    max_redemptions: row.max_redemptions,
    max_redemptions_per_customer: row.max_redemptions_per_customer,
    times_redeemed: Number(row.times_redeemed),
    velocity: fromJson<VelocitySettings | null>(row.velocity, null),
    trigger: fromJson<TriggerSettings | null>(row.trigger, null),
    status: row.status,
    metadata: fromJson(row.metadata, {}),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toPromotionCode(row: PromotionCodeRow): PromotionCode {
  return {
    id: row.id,
    object: "promotion_code",
    coupon: row.coupon_id,
    code: row.code,
    customer: row.customer_id,
    max_redemptions: row.max_redemptions,
    times_redeemed: Number(row.times_redeemed),
    expires_at: row.expires_at,
    status: row.status,
    metadata: fromJson(row.metadata, {}),
    created_at: row.created_at,
  };
}

export function toDiscount(row: DiscountRow): Discount {
  return {
    id: row.id,
    object: "discount",
    subscription: row.subscription_id,
    customer: row.customer_id,
    coupon: row.coupon_id,
    promotion_code: row.promotion_code_id,
    redemption: row.redemption_id,
    first_period: row.first_period,
    last_period: row.last_period,
    status: row.status,
    ended_at: row.ended_at,
    created_at: row.created_at,
  };
}

export function toRedemption(row: CampaignRedemptionRow): Redemption {
  return {
    id: row.id,
    object: "redemption",
    outcome: row.outcome,
    code: row.code,
    coupon: row.coupon_id,
    promotion_code: row.promotion_code_id,
    customer: row.customer_id,
    subscription: row.subscription_id,
    checks: fromJson<RedemptionCheck[]>(row.checks, []),
    request_id: row.request_id,
    created_at: row.created_at,
  };
}

export function toOffer(row: CampaignOfferRow): CampaignOffer {
  return {
    id: row.id,
    object: "campaign_offer",
    customer: row.customer_id,
    coupon: row.coupon_id,
    trigger: row.trigger,
    expires_at: row.expires_at,
    redeemed_at: row.redeemed_at,
    created_at: row.created_at,
  };
}
