import { inScope } from "../../db/scope.js";
import type { PrivacyHandler } from "../privacy/index.js";
import { exportRows } from "../privacy/index.js";
import { listCustomerConsents } from "./repo.js";

/**
 * Consent records are the proof of what the customer agreed to: kept on erasure (purpose, status,
 * time, method, text version), naming the customer by id; who collected it and the free-form
 * metadata are cleared.
 */
export const consentsPrivacyHandler: PrivacyHandler = {
  module: "consents",
  tables: ["consent_records"],

  async export(d, scope, subject) {
    return { records: exportRows(await listCustomerConsents(d, scope, subject.customerId), ["actor", "metadata"]) };
  },

  async erase(tx, scope, subject) {
    const result = await tx
      .updateTable("consent_records")
      .set({ collected_by: null, metadata: "{}" })
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .executeTakeFirst();
    return { consent_records: Number(result.numUpdatedRows) };
  },
};
