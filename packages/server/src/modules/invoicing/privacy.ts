import { inScope } from "../../db/scope.js";
import type { PrivacyHandler } from "../privacy/index.js";
import { customerRowIds, exportRows } from "../privacy/index.js";

/**
 * Invoices and credit notes are fiscal records the law requires to keep (with the buyer's name and
 * address as issued, for the statutory period): kept on erasure, naming the customer by id. The
 * customer's billing details — what future invoices would be issued to — are personal data with
 * no such duty, and are deleted.
 */
export const invoicingPrivacyHandler: PrivacyHandler = {
  module: "invoicing",
  tables: ["invoices", "invoicing_billing_details"],

  objectIds: (d, scope, customerId) => customerRowIds(d, scope, "invoices", customerId),

  async export(d, scope, subject) {
    const invoices = await d
      .selectFrom("invoices")
      .selectAll()
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .orderBy("id")
      .execute();
    const details = await d
      .selectFrom("invoicing_billing_details")
      .selectAll()
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .execute();
    return {
      billing_details: exportRows(details, ["address"]),
      documents: exportRows(invoices, ["document"]),
    };
  },

  async erase(tx, scope, subject) {
    const deleted = await tx
      .deleteFrom("invoicing_billing_details")
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .executeTakeFirst();
    return { invoicing_billing_details: Number(deleted.numDeletedRows) };
  },
};
