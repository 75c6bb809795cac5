import { inScope } from "../../db/scope.js";
import type { PrivacyHandler } from "../privacy/index.js";
import { customerRowIds, exportRows, scrubText } from "../privacy/index.js";

/**
 * Payments are records the law requires to keep (bookkeeping, for years): kept on erasure with
 * amount, currency, dates, status and the stored payment-method token (refunds and disputes need
 * it); they name the customer only by id. What a provider pushed about them (provider_inbox) is
 * kept for replay but scrubbed of the customer's personal values (a billing e-mail in a raw body).
 * `sandbox_operations` are the sandbox vendor's own books and name the customer by id only.
 */
export const paymentsPrivacyHandler: PrivacyHandler = {
  module: "payments",
  tables: ["payments", "provider_inbox", "sandbox_operations"],

  objectIds: (d, scope, customerId) => customerRowIds(d, scope, "payments", customerId),

  async export(d, scope, subject) {
    const payments = await d
      .selectFrom("payments")
      .selectAll()
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .orderBy("id")
      .execute();
    const ids = payments.map((p) => p.id);
    const inbox = ids.length
      ? await d
          .selectFrom("provider_inbox")
          .select(["id", "provider", "provider_event_id", "type", "amount", "currency", "occurred_at", "payment_id"])
          .where(inScope(scope))
          .where("payment_id", "in", ids)
          .orderBy("id")
          .execute()
      : [];
    return { payments: exportRows(payments), provider_events: exportRows(inbox) };
  },

  async erase(tx, scope, subject) {
    const scrubbed = await scrubText(
      tx,
      scope,
      "provider_inbox",
      ["raw_body", "raw_headers", "event"],
      [...subject.personalValues],
    );
    // A one-off payment's description and metadata are the merchant's free text: scrubbed like messages.
    const messages = await scrubText(
      tx,
      scope,
      "payments",
      ["failure_message", "description", "metadata"],
      subject.personalValues,
    );
    return { provider_inbox: scrubbed, payments: messages };
  },
};
