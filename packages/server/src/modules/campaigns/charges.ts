import type { Deps, Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson } from "../../lib/json.js";
import type { ChargeToDiscount } from "../billing/index.js";
import type { EventsService } from "../events/service.js";
import { toDiscount } from "./model.js";
import { covers, discountOf, percentLabel } from "./money.js";
import * as repo from "./repo.js";

/** Discounts meeting money: the billing hook and what invoicing asks about a payment. */
export function discountCharges(deps: Deps, o: { events: Pick<EventsService, "record"> }) {
  const { db } = deps;
  return {
    /**
     * The discount hook (billing/discounts.ts): the subscription's active discount taken off a
     * charge when it covers the charge's period, recorded for the invoice's discount line. A
     * discount whose last period is behind the charged one ends here (`discount.ended`). On a
     * proration only a percent comes off: a fixed amount off was already off the old price and is
     * off the new one, so it cancels out of the difference.
     */
    async discountCharge(scope: Scope, c: ChargeToDiscount): Promise<number> {
      const discount = await repo.activeDiscount(db, scope, c.subscriptionId);
      if (!discount || c.amount <= 0) return c.amount;
      const now = isoNow(scope.clock);
      if (discount.last_period !== null && c.periodIndex > discount.last_period) {
        await db.transaction().execute(async (tx) => {
          const done = await tx
            .updateTable("discounts")
            .set({ status: "ended", ended_at: now })
            .where(inScope(scope))
            .where("id", "=", discount.id)
            .where("status", "=", "active")
            .executeTakeFirst();
          if (Number(done.numUpdatedRows) === 1)
            await o.events.record(tx, scope, {
              type: "discount.ended",
              object: toDiscount({ ...discount, status: "ended", ended_at: now }),
            });
        });
        return c.amount;
      }
      if (!covers(discount, c.periodIndex)) return c.amount;
      const coupon = await repo.findCoupon(db, scope, discount.coupon_id);
      if (!coupon) return c.amount;
      const terms = {
        percentOffHundredths: coupon.percent_off_hundredths,
        amountsOff: c.kind === "proration" ? null : fromJson<Record<string, number> | null>(coupon.amounts_off, null),
      };
      const off = discountOf(terms, c.amount, c.currency);
      if (off === 0) return c.amount;
      await repo.insertApplication(db, {
        id: newId("discount"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        discount_id: discount.id,
        subscription_id: c.subscriptionId,
        period_index: c.periodIndex,
        kind: c.kind,
        currency: c.currency,
        gross_amount: c.amount,
        discount_amount: off,
        description:
          coupon.percent_off_hundredths !== null
            ? `${coupon.name} (${percentLabel(coupon.percent_off_hundredths)}% off)`
            : coupon.name,
        created_at: now,
      });
      return c.amount - off;
    },

    /** For invoicing: what the discount took off the charge a payment made, if it did. */
    async discountOfPayment(
      scope: Scope,
      p: { subscription: string | null; period_index: number; kind: string; amount: number },
    ): Promise<{ gross: number; discount: number; description: string } | undefined> {
      if (!p.subscription) return undefined;
      const row = await repo.findApplication(db, scope, {
        subscriptionId: p.subscription,
        periodIndex: p.period_index,
        kind: p.kind,
        net: p.amount,
      });
      return row && { gross: row.gross_amount, discount: row.discount_amount, description: row.description };
    },
  };
}
