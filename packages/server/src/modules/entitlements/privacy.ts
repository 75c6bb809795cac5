import { inScope } from "../../db/scope.js";
import type { PrivacyHandler } from "../privacy/index.js";
import { exportRows, scrubText } from "../privacy/index.js";

/**
 * Grants, usage and the last pushed entitlement state name the customer by id only; they are kept
 * on erasure (usage may be billed), and a grant's free-text reason is scrubbed of personal values.
 */
export const entitlementsPrivacyHandler: PrivacyHandler = {
  module: "entitlements",
  tables: ["entitlement_grants", "usage_records", "usage_counters", "customer_entitlement_states"],

  async objectIds(d, scope, customerId) {
    const rows = await d
      .selectFrom("entitlement_grants")
      .select("id")
      .where(inScope(scope))
      .where("customer_id", "=", customerId)
      .execute();
    return rows.map((r) => r.id);
  },

  async export(d, scope, { customerId }) {
    const grants = await d
      .selectFrom("entitlement_grants")
      .selectAll()
      .where(inScope(scope))
      .where("customer_id", "=", customerId)
      .execute();
    const usage = await d
      .selectFrom("usage_records")
      .selectAll()
      .where(inScope(scope))
      .where("customer_id", "=", customerId)
      .execute();
    const counters = await d
      .selectFrom("usage_counters")
      .selectAll()
      .where(inScope(scope))
      .where("customer_id", "=", customerId)
      .execute();
    const state = await d
      .selectFrom("customer_entitlement_states")
      .selectAll()
      .where(inScope(scope))
      .where("customer_id", "=", customerId)
      .execute();
    return {
      grants: exportRows(grants),
      usage_records: exportRows(usage),
      usage_counters: exportRows(counters),
      entitlement_state: exportRows(state, ["entitlements"]),
    };
  },

  async erase(tx, scope, subject) {
    return { entitlement_grants: await scrubText(tx, scope, "entitlement_grants", ["reason"], subject.personalValues) };
  },

  retention: {
    /** The usage ledger; counters keep each window's total. */
    async usage_records(tx, scope, before) {
      const result = await tx
        .deleteFrom("usage_records")
        .where(inScope(scope))
        .where("occurred_at", "<", before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  },
};
