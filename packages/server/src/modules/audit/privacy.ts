import type { ScopeIds } from "../../db/scope.js";
import type { Db } from "../../db/types.js";
import type { PrivacyHandler } from "../privacy/index.js";
import { exportRows } from "../privacy/index.js";

/**
 * The audit trail is append-only and hash-chained: a record is never rewritten, so none may hold
 * personal data — snapshots are redacted before they are written (redact.ts): contact data,
 * secrets and a customer's personal fields read `[redacted]`, and records name the customer by id.
 * Erasure therefore changes nothing here (the chain stays verifiable); the export lists the
 * records about the customer and their objects.
 */
export const auditPrivacyHandler: PrivacyHandler = {
  module: "audit",
  tables: ["audit_records"],

  async export(d: Db, scope: ScopeIds, subject) {
    const rows = await d
      .selectFrom("audit_records")
      .select([
        "id",
        "seq",
        "kind",
        "action",
        "object_type",
        "object_id",
        "actor",
        "before",
        "after",
        "reason",
        "created_at",
      ])
      .where("tenant_id", "=", scope.tenantId)
      .where((eb) => eb.or([eb("environment_id", "=", scope.environmentId), eb("environment_id", "is", null)]))
      .where("object_id", "in", [subject.customerId, ...subject.objectIds])
      .orderBy("seq")
      .execute();
    return { records: exportRows(rows, ["actor", "before", "after"]) };
  },

  async erase() {
    return {};
  },
};
