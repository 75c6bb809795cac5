import type { PrivacyHandler } from "../privacy/index.js";
import { exportRows } from "../privacy/index.js";
import { listCustomerChanges } from "./repo.js";

/**
 * A customer's price changes name them by id only (prices, dates, statuses, the consent record's
 * id): exported; kept on erasure, since they hold nothing personal and explain what was charged.
 */
export const priceChangesPrivacyHandler: PrivacyHandler = {
  module: "price-changes",
  tables: ["subscription_price_changes"],

  async export(d, scope, subject) {
    return { subscription_price_changes: exportRows(await listCustomerChanges(d, scope, subject.customerId), []) };
  },

  async erase() {
    return {};
  },
};
