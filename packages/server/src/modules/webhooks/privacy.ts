import { inScope } from "../../db/scope.js";
import type { PrivacyHandler } from "../privacy/index.js";
import { exportRows, scrubText } from "../privacy/index.js";

/**
 * Delivery logs of events about the customer (or their subscriptions, payments, …). The payload
 * is the event, whose personal fields are sealed (and shredded on erasure); what is erased here
 * is what receivers answered — a receiver may echo what it was sent — and any copy of a personal
 * value in an answer or error.
 */
export const webhooksPrivacyHandler: PrivacyHandler = {
  module: "webhooks",
  tables: ["webhook_deliveries", "webhook_attempts"],

  async export(d, scope, subject) {
    const ids = [subject.customerId, ...subject.objectIds];
    const deliveries = await d
      .selectFrom("webhook_deliveries as d")
      .innerJoin("events as e", "e.id", "d.event_id")
      .select(["d.id", "d.endpoint_id", "d.event_id", "d.event_type", "d.status", "d.attempt_count", "d.created_at"])
      .where(inScope(scope, "d"))
      .where(inScope(scope, "e"))
      .where("e.object_id", "in", ids)
      .orderBy("d.id")
      .execute();
    return { deliveries: exportRows(deliveries) };
  },

  async erase(tx, scope, subject) {
    const ids = [subject.customerId, ...subject.objectIds];
    const answers = await tx
      .updateTable("webhook_attempts")
      .set({ response_excerpt: null })
      .where(inScope(scope))
      .where("response_excerpt", "is not", null)
      .where(
        "delivery_id",
        "in",
        tx
          .selectFrom("webhook_deliveries as d")
          .innerJoin("events as e", "e.id", "d.event_id")
          .select("d.id")
          .where(inScope(scope, "d"))
          .where("e.object_id", "in", ids),
      )
      .executeTakeFirst();
    const scrubbed = await scrubText(
      tx,
      scope,
      "webhook_attempts",
      ["response_excerpt", "error"],
      subject.personalValues,
    );
    return { webhook_attempts: Number(answers.numUpdatedRows) + scrubbed };
  },

  retention: {
    /** Finished deliveries (succeeded or failed for good) older than the limit, with their attempts. */
    async webhook_delivery_logs(tx, scope, before) {
      const old = tx
        .selectFrom("webhook_deliveries")
        .select("id")
        .where(inScope(scope))
        .where("status", "!=", "pending")
        .where("created_at", "<", before);
      await tx.deleteFrom("webhook_attempts").where(inScope(scope)).where("delivery_id", "in", old).execute();
      const result = await tx
        .deleteFrom("webhook_deliveries")
        .where(inScope(scope))
        .where("status", "!=", "pending")
        .where("created_at", "<", before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  },
};
