import type { Deps } from "../../context.js";
import { inScope } from "../../db/scope.js";
import { isoNow } from "../../lib/clock.js";
import type { PrivacyHandler } from "../privacy/index.js";
import { exportRows } from "../privacy/index.js";

/**
 * Stored payment methods: brand, last4, expiry, fingerprint and one provider token per PSP, never
 * card data. On erasure the methods are detached (never charged again) and their tokens and
 * fingerprints removed; the method rows stay only as what past payments name.
 */
export const paymentMethodsPrivacyHandler = (deps: Pick<Deps, "clock">): PrivacyHandler => ({
  module: "payment_methods",
  tables: ["payment_methods", "payment_method_tokens"],

  async export(d, scope, subject) {
    const methods = await d
      .selectFrom("payment_methods")
      .selectAll()
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .orderBy("id")
      .execute();
    const ids = methods.map((m) => m.id);
    const tokens = ids.length
      ? await d
          .selectFrom("payment_method_tokens")
          .select(["payment_method_id", "provider", "created_at"])
          .where(inScope(scope))
          .where("payment_method_id", "in", ids)
          .execute()
      : [];
    return { methods: exportRows(methods), vaulted_at: exportRows(tokens) };
  },

  async erase(tx, scope, subject) {
    const methods = await tx
      .selectFrom("payment_methods")
      .select("id")
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .execute();
    const ids = methods.map((m) => m.id);
    if (ids.length === 0) return {};
    const tokens = await tx
      .deleteFrom("payment_method_tokens")
      .where(inScope(scope))
      .where("payment_method_id", "in", ids)
      .executeTakeFirst();
    const now = isoNow(deps.clock);
    const detached = await tx
      .updateTable("payment_methods")
      .set({ fingerprint: null, is_default: 0, detached_at: now, updated_at: now })
      .where(inScope(scope))
      .where("id", "in", ids)
      .executeTakeFirst();
    return {
      payment_method_tokens: Number(tokens.numDeletedRows),
      payment_methods: Number(detached.numUpdatedRows),
    };
  },
});
