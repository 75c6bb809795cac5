import { inScope } from "../../db/scope.js";
import type { PrivacyHandler } from "../privacy/index.js";
import { exportRows } from "../privacy/index.js";

/**
 * Campaign rows that name a customer: the redemption ledger, discounts and offers. They hold no
 * personal data beyond the customer id (the fingerprint is a keyed digest), so the export lists
 * them and erasure keeps them — the ledger is the merchant's record against misuse and the basis
 * of what was charged (docs/privacy.md).
 */
export const campaignsPrivacyHandler: PrivacyHandler = {
  module: "campaigns",
  tables: ["campaign_redemptions", "discounts", "campaign_offers", "promotion_codes", "discount_applications"],

  async export(d, scope, subject) {
    const redemptions = await d
      .selectFrom("campaign_redemptions")
      .select(["id", "outcome", "code", "coupon_id", "promotion_code_id", "subscription_id", "checks", "created_at"])
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .orderBy("id")
      .execute();
    const discounts = await d
      .selectFrom("discounts")
      .select(["id", "subscription_id", "coupon_id", "first_period", "last_period", "status", "created_at"])
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .orderBy("id")
      .execute();
    const offers = await d
      .selectFrom("campaign_offers")
      .select(["id", "coupon_id", "trigger", "expires_at", "redeemed_at", "created_at"])
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .orderBy("id")
      .execute();
    const codes = await d
      .selectFrom("promotion_codes")
      .select(["id", "coupon_id", "code", "created_at"])
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .orderBy("id")
      .execute();
    const applications =
      subject.objectIds.length === 0
        ? []
        : await d
            .selectFrom("discount_applications")
            .select(["id", "subscription_id", "period_index", "kind", "currency", "gross_amount", "discount_amount"])
            .where(inScope(scope))
            .where("subscription_id", "in", subject.objectIds)
            .orderBy("id")
            .execute();
    return {
      discount_applications: exportRows(applications),
      redemptions: exportRows(redemptions, ["checks"]),
      discounts: exportRows(discounts),
      campaign_offers: exportRows(offers),
      promotion_codes: exportRows(codes),
    };
  },

  async erase() {
    return {};
  },
};
