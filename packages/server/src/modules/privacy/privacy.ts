import { inScope } from "../../db/scope.js";
import type { PrivacyHandler } from "./handler.js";
import { exportRows } from "./rows.js";

/**
 * Privacy requests themselves name the customer: the export lists them (never an archive), and
 * erasure deletes any archive still waiting to be downloaded.
 */
export const privacyRequestsHandler: PrivacyHandler = {
  module: "privacy",
  tables: ["privacy_requests"],

  async export(d, scope, subject) {
    const rows = await d
      .selectFrom("privacy_requests")
      .select(["id", "kind", "status", "created_at", "completed_at", "downloaded_at"])
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .orderBy("id")
      .execute();
    return { requests: exportRows(rows) };
  },

  async erase(tx, scope, subject) {
    const result = await tx
      .updateTable("privacy_requests")
      .set({ archive_encrypted: null, status: "expired" })
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .where("status", "in", ["pending", "ready"])
      .executeTakeFirst();
    return { privacy_requests: Number(result.numUpdatedRows) };
  },
};
