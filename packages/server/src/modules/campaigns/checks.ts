import type { ChannelName, CouponAppliesTo, ErrorCode, RedemptionCheck } from "@tessera/core";
import type { CouponRow, PromotionCodeRow } from "../../db/types.js";
import { fromJson } from "../../lib/json.js";
import type { TriggerSettings, VelocitySettings } from "./model.js";

/** What is being bought: the subscription a code is redeemed for. */
export interface RedemptionTarget {
  customerId: string;
  country: string | null;
  priceId: string;
  bundleId: string;
  storefrontId: string;
  channel: ChannelName;
  /** The price's amount and currency (before any discount). */
  amount: number;
  currency: string;
}

/** Counts read in the redemption's transaction, under the coupon's lock. */
export interface RedemptionFacts {
  now: string;
  /** Redemptions of this coupon by this customer (outcome redeemed). */
  customerRedemptions: number;
  /** Subscriptions of this customer before this one, of any status. */
  customerHadSubscription: boolean;
  /** Redemptions of this code (or of the coupon applied without a code) in the last hour. */
  codeLastHour: number;
  /** Redemptions of this coupon under the payment-method fingerprint in the last 24 hours; null: none known. */
  fingerprintLastDay: number | null;
  hasOpenOffer: boolean;
}

export interface Decision {
  ok: boolean;
  checks: RedemptionCheck[];
  /** The first failed check's error code and message. */
  refusal?: { code: ErrorCode; check: string; detail: string };
}

const REFUSAL_CODE: Record<string, ErrorCode> = {
  max_redemptions: "COUPON_LIMIT_REACHED",
  promotion_code_max_redemptions: "COUPON_LIMIT_REACHED",
  max_redemptions_per_customer: "COUPON_LIMIT_REACHED",
  velocity_per_code: "COUPON_VELOCITY_EXCEEDED",
  velocity_per_fingerprint: "COUPON_VELOCITY_EXCEEDED",
  trigger_offer: "CAMPAIGN_OFFER_REQUIRED",
};

/**
 * Every check of one redemption, in a fixed order, each with whether it passed and why; the first
 * that failed decides the refusal. Pure: the caller reads the facts under the coupon's lock, so the
 * counts cannot move between this decision and the write that follows it.
 */
export function decideRedemption(
  coupon: CouponRow,
  code: PromotionCodeRow | undefined,
  t: RedemptionTarget,
  f: RedemptionFacts,
): Decision {
  const checks: RedemptionCheck[] = [];
  const check = (name: string, passed: boolean, detail: string | null) =>
    checks.push({ check: name, passed, detail: passed ? null : detail });
  const scope = fromJson<CouponAppliesTo>(coupon.applies_to, {});
  const velocity = fromJson<VelocitySettings | null>(coupon.velocity, null);
  const trigger = fromJson<TriggerSettings | null>(coupon.trigger, null);
  const amountsOff = fromJson<Record<string, number> | null>(coupon.amounts_off, null);
  const minimums = fromJson<Record<string, number> | null>(coupon.minimum_amounts, null);

  check("coupon_active", coupon.status === "active", "the coupon is archived");
  if (code) {
    check("promotion_code_active", code.status === "active", "the promotion code is archived");
    check(
      "promotion_code_expiry",
      code.expires_at === null || f.now < code.expires_at,
      `the promotion code expired at ${code.expires_at}`,
    );
    check(
      "promotion_code_customer",
      code.customer_id === null || code.customer_id === t.customerId,
      "the promotion code is for another customer",
    );
  }
  check("starts_at", coupon.starts_at === null || f.now >= coupon.starts_at, `redeemable from ${coupon.starts_at}`);
  check("ends_at", coupon.ends_at === null || f.now < coupon.ends_at, `redeemable until ${coupon.ends_at}`);
  const inList = (list: readonly string[] | undefined, ...values: Array<string | null>) =>
    list === undefined || values.some((v) => v !== null && list.includes(v));
  // A coupon restricted to bundles and to prices matches a price named by either list.
  const product =
    scope.bundles === undefined && scope.prices === undefined
      ? true
      : (scope.prices?.includes(t.priceId) ?? false) || (scope.bundles?.includes(t.bundleId) ?? false);
  check("applies_to_product", product, "the coupon does not apply to this price or bundle");
  check("applies_to_storefront", inList(scope.storefronts, t.storefrontId), "not for this storefront");
  check("applies_to_channel", inList(scope.channels, t.channel), `not for the ${t.channel} channel`);
  check(
    "applies_to_country",
    inList(scope.countries, t.country),
    t.country ? `not for customers in ${t.country}` : "the coupon is for some countries; the customer has none",
  );
  if (amountsOff) check("currency", amountsOff[t.currency] !== undefined, `the coupon has no amount in ${t.currency}`);
  if (minimums) {
    const min = minimums[t.currency];
    check(
      "minimum_amount",
      min !== undefined && t.amount >= min,
      min === undefined ? `no minimum set for ${t.currency}` : `the price is below the minimum of ${min}`,
    );
  }
  if (coupon.first_subscription_only === 1)
    check("first_subscription", !f.customerHadSubscription, "only for a customer's first subscription");
  if (trigger) check("trigger_offer", f.hasOpenOffer, `needs an open ${trigger.type} offer for the customer`);
  check(
    "max_redemptions",
    coupon.max_redemptions === null || Number(coupon.times_redeemed) < coupon.max_redemptions,
    `redeemed ${coupon.times_redeemed} of ${coupon.max_redemptions} times`,
  );
  if (code)
    check(
      "promotion_code_max_redemptions",
      code.max_redemptions === null || Number(code.times_redeemed) < code.max_redemptions,
      `the code was redeemed ${code.times_redeemed} of ${code.max_redemptions} times`,
    );
  check(
    "max_redemptions_per_customer",
    coupon.max_redemptions_per_customer === null || f.customerRedemptions < coupon.max_redemptions_per_customer,
    `the customer redeemed it ${f.customerRedemptions} of ${coupon.max_redemptions_per_customer} times`,
  );
  if (velocity?.per_code_per_hour !== undefined)
    check(
      "velocity_per_code",
      f.codeLastHour < velocity.per_code_per_hour,
      `${f.codeLastHour} redemptions in the last hour (limit ${velocity.per_code_per_hour})`,
    );
  if (velocity?.per_fingerprint_per_day !== undefined && f.fingerprintLastDay !== null)
    check(
      "velocity_per_fingerprint",
      f.fingerprintLastDay < velocity.per_fingerprint_per_day,
      `${f.fingerprintLastDay} redemptions with this payment method in 24 hours (limit ${velocity.per_fingerprint_per_day})`,
    );

  const failed = checks.find((c) => !c.passed);
  if (!failed) return { ok: true, checks };
  return {
    ok: false,
    checks,
    refusal: {
      code: REFUSAL_CODE[failed.check] ?? "COUPON_NOT_REDEEMABLE",
      check: failed.check,
      detail: failed.detail ?? failed.check,
    },
  };
}
