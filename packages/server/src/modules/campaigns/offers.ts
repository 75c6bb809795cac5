import type { CampaignOffer, CampaignTrigger, Customer } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type { CouponRow } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson } from "../../lib/json.js";
import type { EventsService } from "../events/service.js";
import { type TriggerSettings, toOffer } from "./model.js";
import * as repo from "./repo.js";

const DAY_MS = 24 * 60 * 60_000;

/**
 * Offers of triggered campaigns: a time-limited right to redeem, issued by a trigger within the
 * coupon's per-customer limit (docs/campaigns.md "Scoped triggers and offers").
 */
export function campaignOffers(
  deps: Deps,
  o: {
    customers: { requireCustomer(scope: Scope, id: string): Promise<Customer> };
    events: Pick<EventsService, "record">;
  },
) {
  const { db } = deps;

  async function issueOffer(scope: Scope, customerId: string, coupon: CouponRow, trigger: CampaignTrigger) {
    const settings = fromJson<TriggerSettings | null>(coupon.trigger, null);
    if (!settings || settings.type !== trigger) return { offer: null, reason: "not_triggered" as const };
    const nowMs = scope.clock.now().getTime();
    const since = new Date(nowMs - settings.window_days * DAY_MS).toISOString();
    return db.transaction().execute(async (tx) => {
      const issued = await repo.countOffers(tx, scope, customerId, coupon.id, since);
      if (issued >= settings.max_offers_per_customer) return { offer: null, reason: "trigger_limit" as const };
      const row = {
        id: newId("campaign_offer"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        customer_id: customerId,
        coupon_id: coupon.id,
        trigger,
        expires_at: new Date(nowMs + settings.offer_valid_days * DAY_MS).toISOString(),
        redeemed_at: null,
        created_at: isoNow(scope.clock),
      };
      await tx.insertInto("campaign_offers").values(row).execute();
      await o.events.record(tx, scope, { type: "campaign_offer.issued", object: toOffer(row) });
      return { offer: row, reason: null };
    });
  }

  return {
    /** `api` trigger: a trusted key offers a customer a campaign (POST /v1/customers/{id}/campaign-offers). */
    async offer(scope: Scope, customerId: string, couponId: string): Promise<CampaignOffer> {
      const customer = await o.customers.requireCustomer(scope, customerId);
      const coupon = await repo.requireCouponField(db, scope, couponId);
      if (coupon.status === "archived") throw new ApiError("OBJECT_ARCHIVED", `Coupon ${coupon.id} is archived`);
      const { offer, reason } = await issueOffer(scope, customer.id, coupon, "api");
      if (reason === "not_triggered")
        throw new ApiError("VALIDATION_FAILED", `Coupon ${coupon.id} is not offered by API call`, {
          errors: [{ path: "coupon", message: 'its trigger is not "api"' }],
        });
      if (!offer)
        throw new ApiError(
          "COUPON_LIMIT_REACHED",
          `The customer was offered coupon ${coupon.id} as often as its trigger allows`,
          {
            errors: [{ path: "coupon", message: "max_offers_per_customer reached in the trigger's window" }],
          },
        );
      return toOffer(offer);
    },

    async listOffers(scope: Scope, customerId: string): Promise<CampaignOffer[]> {
      await o.customers.requireCustomer(scope, customerId);
      const rows = await db
        .selectFrom("campaign_offers")
        .selectAll()
        .where(inScope(scope))
        .where("customer_id", "=", customerId)
        .orderBy("id", "desc")
        .limit(100)
        .execute();
      return rows.map(toOffer);
    },

    /** Event triggers (triggers.ts): offers every active coupon with this trigger, within its per-customer limit. */
    async trigger(scope: Scope, customerId: string, trigger: CampaignTrigger): Promise<number> {
      let issued = 0;
      for (const coupon of await repo.triggeredCoupons(db, scope, trigger)) {
        if ((await issueOffer(scope, customerId, coupon, trigger)).offer) issued++;
      }
      return issued;
    },
  };
}
