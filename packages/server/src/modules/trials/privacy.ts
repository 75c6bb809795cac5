import { inScope } from "../../db/scope.js";
import type { PrivacyHandler } from "../privacy/index.js";
import { exportRows } from "../privacy/index.js";

/**
 * Trial claims name the customer and hold keyed digests (never the values) of the identities a
 * trial was started under. The export lists the trials; erasure keeps the digests — preventing a
 * second trial is the merchant's legitimate interest, and a digest cannot be turned back into the
 * e-mail or number without the master key (docs/privacy.md).
 */
export const trialsPrivacyHandler: PrivacyHandler = {
  module: "trials",
  tables: ["trial_claims"],

  async export(d, scope, subject) {
    const rows = await d
      .selectFrom("trial_claims")
      .select(["id", "storefront_id", "bundle_id", "subscription_id", "started_at"])
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .orderBy("id")
      .execute();
    return { trials: exportRows(rows) };
  },

  async erase() {
    return {};
  },
};
