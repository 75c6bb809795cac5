import { inScope } from "../../db/scope.js";
import type { PrivacyHandler } from "../privacy/index.js";
import { ERASED, exportRows, scrubText } from "../privacy/index.js";

/**
 * Channel links tie a vendor's subscription (and the vendor's customer id: an MSISDN at a carrier)
 * to the customer. Erasure unlinks them — the customer, the subscription and the vendor's customer
 * id are cleared, so a later notification parks instead of reaching the erased customer — and the
 * notifications kept for them lose their customer hint and every copy of a personal value.
 */
export const channelsPrivacyHandler: PrivacyHandler = {
  module: "channels",
  tables: ["channel_links", "channel_notifications"],

  async objectIds(d, scope, customerId) {
    const rows = await d
      .selectFrom("channel_links")
      .select("id")
      .where(inScope(scope))
      .where("customer_id", "=", customerId)
      .execute();
    return rows.map((r) => r.id);
  },

  async personalValues(d, scope, customerId) {
    const rows = await d
      .selectFrom("channel_links")
      .select("vendor_customer_id")
      .where(inScope(scope))
      .where("customer_id", "=", customerId)
      .execute();
    return rows.map((r) => r.vendor_customer_id).filter((v): v is string => !!v);
  },

  async export(d, scope, subject) {
    const links = await d
      .selectFrom("channel_links")
      .selectAll()
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .orderBy("id")
      .execute();
    const ids = links.map((l) => l.id);
    const notifications = ids.length
      ? await d
          .selectFrom("channel_notifications")
          .selectAll()
          .where(inScope(scope))
          .where("link_id", "in", ids)
          .orderBy("id")
          .execute()
      : [];
    return { links: exportRows(links), notifications: exportRows(notifications, ["changes"]) };
  },

  async erase(tx, scope, subject) {
    const linkIds = subject.objectIds.filter((id) => id.startsWith("chl_"));
    let notifications = 0;
    if (linkIds.length > 0) {
      const hinted = await tx
        .updateTable("channel_notifications")
        .set({ customer_hint: ERASED })
        .where(inScope(scope))
        .where("link_id", "in", linkIds)
        .executeTakeFirst();
      notifications += Number(hinted.numUpdatedRows);
    }
    notifications += await scrubText(
      tx,
      scope,
      "channel_notifications",
      ["raw", "customer_hint", "detail"],
      [...subject.personalValues],
    );
    const unlinked = await tx
      .updateTable("channel_links")
      .set({ customer_id: null, subscription_id: null, vendor_customer_id: null })
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .executeTakeFirst();
    return { channel_links: Number(unlinked.numUpdatedRows), channel_notifications: notifications };
  },

  retention: {
    /**
     * The vendor's raw body of notifications settled long ago. The mapped columns stay: converging
     * a vendor subscription's state reads them, never the raw body. Parked or unapplied ones keep it.
     */
    async channel_raw(tx, scope, before) {
      const result = await tx
        .updateTable("channel_notifications")
        .set({ raw: "{}" })
        .where(inScope(scope))
        .where("status", "in", ["applied", "superseded", "ignored", "rejected"])
        .where("received_at", "<", before)
        .where("raw", "!=", "{}")
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  },
};
