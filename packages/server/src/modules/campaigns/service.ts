import type {
  ApplyDiscount,
  ChannelName,
  Coupon,
  CreateCoupon,
  CreatePromotionCode,
  Customer,
  DeletionResult,
  Discount,
  PromotionCode,
  Redemption,
  RedemptionListQuery,
  Subscription,
  UpdateCoupon,
} from "@tessera/core";
import { type Deps, loggerFor, type Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type { CouponRow, Db, DiscountRow, PromotionCodeRow } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { toJson } from "../../lib/json.js";
import { type Page, type PageQuery, toPage } from "../../lib/pagination.js";
import type { AuditRecorder } from "../audit/service.js";
import type { CatalogService } from "../catalog/service.js";
import type { CustomersService } from "../customers/service.js";
import type { EventsService } from "../events/service.js";
import type { PaymentsService } from "../payments/service.js";
import { discountCharges } from "./charges.js";
import { toCoupon, toDiscount, toPromotionCode, toRedemption } from "./model.js";
import { campaignOffers } from "./offers.js";
import { type Redeemed, redemptions } from "./redeem.js";
import * as repo from "./repo.js";
import { campaignsSweep } from "./sweep.js";

/** What subscription creation hands the campaigns module (services.ts registers it as the gate). */
export interface NewSubscriptionRedemption {
  subscriptionId: string;
  customer: Customer;
  price: { id: string; amount: number; currency: string };
  bundleId: string;
  storefrontId: string;
  channel: ChannelName;
  paymentMethod: string;
  fingerprint?: string | undefined;
  promotionCode?: string | undefined;
  coupon?: string | undefined;
  customerHadSubscription: boolean;
}

export type CampaignClaim = Redeemed;

/** What campaigns read of subscriptions (bound in services.ts: subscriptions are built first). */
export interface SubscriptionLookup {
  get(scope: Scope, id: string): Promise<Subscription>;
  customerSubscriptionCount(scope: Scope, customerId: string): Promise<number>;
}

/**
 * Campaigns (docs/campaigns.md): coupons and promotion codes, their redemption onto subscriptions
 * with a ledger of every decision, the discount hook billing charges through, and offers issued by
 * scoped triggers.
 */
export function campaignsService(
  deps: Deps,
  o: {
    customers: Pick<CustomersService, "requireCustomer">;
    catalog: Pick<CatalogService, "getPrice">;
    events: Pick<EventsService, "record">;
    payments: Pick<PaymentsService, "methods">;
    jobs: JobRegistry;
    audit?: AuditRecorder;
  },
) {
  const { db } = deps;
  const redeem = redemptions(deps, { audit: o.audit });
  const charges = discountCharges(deps, { events: o.events });
  const offers = campaignOffers(deps, { customers: o.customers, events: o.events });
  let subscriptions: SubscriptionLookup | undefined;

  /** Records `discount.applied` once, with `announced_at`: false when it was already, or was released. */
  async function announce(scope: Scope, discount: DiscountRow): Promise<boolean> {
    return db.transaction().execute(async (tx) => {
      if (!(await repo.markAnnounced(tx, scope, discount.id, isoNow(scope.clock)))) return false;
      await o.events.record(tx, scope, { type: "discount.applied", object: toDiscount(discount) });
      return true;
    });
  }
  // Finishes claims a crash left between the claim and its announcement (sweep.ts).
  const sweep = campaignsSweep(deps, {
    redeem,
    announce,
    subscriptions: () => requireSubscriptions(),
    jobs: o.jobs,
  });

  async function requireCoupon(scope: Scope, id: string, d: Db = db): Promise<CouponRow> {
    const row = await repo.findCoupon(d, scope, id);
    if (!row) throw notFound("coupon", id);
    return row;
  }

  async function requireCode(scope: Scope, id: string, d: Db = db): Promise<PromotionCodeRow> {
    const row = await repo.findPromotionCode(d, scope, id);
    if (!row) throw notFound("promotion code", id);
    return row;
  }

  /** A stored method's fingerprint, unless the caller gave one. */
  async function fingerprintOf(scope: Scope, customerId: string, method: string | null, given?: string) {
    if (given) return given;
    if (!method) return null;
    const methods = await o.payments.methods.list(scope, customerId).catch(() => []);
    return methods.find((m) => m.id === method)?.fingerprint ?? null;
  }

  function requireSubscriptions() {
    if (!subscriptions) throw new Error("campaigns: subscriptions not bound (services.ts)");
    return subscriptions;
  }

  async function couponEvent(
    tx: Db,
    scope: Scope,
    type: "coupon.created" | "coupon.updated" | "coupon.archived" | "coupon.deleted",
    row: CouponRow,
  ) {
    await o.events.record(tx, scope, { type, object: toCoupon(row) });
  }

  const service = {
    bindSubscriptions(s: SubscriptionLookup): void {
      subscriptions = s;
    },

    async createCoupon(scope: Scope, input: CreateCoupon): Promise<Coupon> {
      const now = isoNow(scope.clock);
      const row: CouponRow = {
        id: newId("coupon"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        name: input.name,
        percent_off_hundredths: input.percent_off === undefined ? null : Math.round(input.percent_off * 100),
        amounts_off: input.amounts_off ? toJson(input.amounts_off) : null,
        duration: input.duration,
        duration_in_periods: input.duration_in_periods ?? null,
        applies_to: toJson(input.applies_to ?? {}),
        first_subscription_only: input.first_subscription_only ? 1 : 0,
        minimum_amounts: input.minimum_amounts ? toJson(input.minimum_amounts) : null,
        starts_at: input.starts_at ?? null,
        ends_at: input.ends_at ?? null,
        max_redemptions: input.max_redemptions ?? null,
        max_redemptions_per_customer: input.max_redemptions_per_customer ?? null,
        times_redeemed: 0,
        velocity: input.velocity ? toJson(input.velocity) : null,
        trigger: input.trigger ? toJson(input.trigger) : null,
        status: "active",
        metadata: toJson(input.metadata ?? {}),
        created_at: now,
        updated_at: now,
      };
      await db.transaction().execute(async (tx) => {
        await tx.insertInto("coupons").values(row).execute();
        await couponEvent(tx, scope, "coupon.created", row);
      });
      return toCoupon(row);
    },

    async getCoupon(scope: Scope, id: string): Promise<Coupon> {
      return toCoupon(await requireCoupon(scope, id));
    },

    async listCoupons(scope: Scope, q: PageQuery & { status?: CouponRow["status"] | undefined }) {
      return toPage(await repo.pageCoupons(db, scope, q, q.status), toCoupon);
    },

    async updateCoupon(scope: Scope, id: string, input: UpdateCoupon): Promise<Coupon> {
      return db.transaction().execute(async (tx) => {
        const row = await requireCoupon(scope, id, tx);
        const patch: Partial<CouponRow> = { updated_at: isoNow(scope.clock) };
        if (input.name !== undefined) patch.name = input.name;
        if (input.ends_at !== undefined) patch.ends_at = input.ends_at;
        if (input.max_redemptions !== undefined) patch.max_redemptions = input.max_redemptions;
        if (input.velocity !== undefined) patch.velocity = input.velocity ? toJson(input.velocity) : null;
        if (input.metadata !== undefined) patch.metadata = toJson(input.metadata);
        await tx.updateTable("coupons").set(patch).where(inScope(scope)).where("id", "=", id).execute();
        const next = { ...row, ...patch };
        await couponEvent(tx, scope, "coupon.updated", next);
        return toCoupon(next);
      });
    },

    /** Archived coupons take no new redemptions; discounts already on subscriptions keep running. */
    async archiveCoupon(scope: Scope, id: string): Promise<Coupon> {
      return db.transaction().execute(async (tx) => {
        const row = await requireCoupon(scope, id, tx);
        if (row.status === "archived") return toCoupon(row);
        const next = { ...row, status: "archived" as const, updated_at: isoNow(scope.clock) };
        await tx
          .updateTable("coupons")
          .set({ status: next.status, updated_at: next.updated_at })
          .where(inScope(scope))
          .where("id", "=", id)
          .execute();
        await couponEvent(tx, scope, "coupon.archived", next);
        return toCoupon(next);
      });
    },

    /** A coupon never redeemed is deleted (with its codes and offers); one that was is archived. */
    async deleteCoupon(scope: Scope, id: string): Promise<DeletionResult> {
      const used = await db
        .selectFrom("campaign_redemptions")
        .select("id")
        .where(inScope(scope))
        .where("coupon_id", "=", id)
        .where("outcome", "!=", "refused")
        .limit(1)
        .executeTakeFirst();
      const row = await requireCoupon(scope, id);
      if (used || Number(row.times_redeemed) > 0) {
        await service.archiveCoupon(scope, id);
        return { id, object: "coupon", deleted: false, archived: true };
      }
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom("campaign_offers").where(inScope(scope)).where("coupon_id", "=", id).execute();
        await tx.deleteFrom("promotion_codes").where(inScope(scope)).where("coupon_id", "=", id).execute();
        // Refusals name the coupon; the ledger keeps them, without the link.
        await tx
          .updateTable("campaign_redemptions")
          .set({ coupon_id: null })
          .where(inScope(scope))
          .where("coupon_id", "=", id)
          .execute();
        await tx.deleteFrom("coupons").where(inScope(scope)).where("id", "=", id).execute();
        await couponEvent(tx, scope, "coupon.deleted", { ...row, status: "archived" });
      });
      return { id, object: "coupon", deleted: true, archived: false };
    },

    async createPromotionCode(scope: Scope, input: CreatePromotionCode): Promise<PromotionCode> {
      const coupon = await repo.requireCouponField(db, scope, input.coupon);
      if (coupon.status === "archived")
        throw new ApiError("OBJECT_ARCHIVED", `Coupon ${coupon.id} is archived`, {
          errors: [{ path: "coupon", message: "is archived" }],
        });
      if (input.customer) {
        await o.customers.requireCustomer(scope, input.customer).catch((error) => {
          if (error instanceof ApiError && error.code === "NOT_FOUND")
            throw new ApiError("VALIDATION_FAILED", error.message, {
              errors: [{ path: "customer", message: "no such customer" }],
            });
          throw error;
        });
      }
      const row: PromotionCodeRow = {
        id: newId("promotion_code"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        coupon_id: coupon.id,
        code: input.code,
        code_key: input.code.toUpperCase(),
        customer_id: input.customer ?? null,
        max_redemptions: input.max_redemptions ?? null,
        times_redeemed: 0,
        expires_at: input.expires_at ?? null,
        status: "active",
        metadata: toJson(input.metadata ?? {}),
        created_at: isoNow(scope.clock),
      };
      await db.transaction().execute(async (tx) => {
        if (await repo.findPromotionCodeByCode(tx, scope, input.code))
          throw new ApiError("ALREADY_EXISTS", `The code "${input.code}" exists (codes are case-insensitive)`, {
            errors: [{ path: "code", message: "already exists in this environment" }],
          });
        await tx.insertInto("promotion_codes").values(row).execute();
        await o.events.record(tx, scope, { type: "promotion_code.created", object: toPromotionCode(row) });
      });
      return toPromotionCode(row);
    },

    async getPromotionCode(scope: Scope, id: string): Promise<PromotionCode> {
      return toPromotionCode(await requireCode(scope, id));
    },

    async listPromotionCodes(
      scope: Scope,
      q: PageQuery & {
        coupon?: string | undefined;
        code?: string | undefined;
        status?: "active" | "archived" | undefined;
      },
    ) {
      return toPage(await repo.pagePromotionCodes(db, scope, q, q), toPromotionCode);
    },

    async archivePromotionCode(scope: Scope, id: string): Promise<PromotionCode> {
      return db.transaction().execute(async (tx) => {
        const row = await requireCode(scope, id, tx);
        if (row.status === "archived") return toPromotionCode(row);
        await tx
          .updateTable("promotion_codes")
          .set({ status: "archived" })
          .where(inScope(scope))
          .where("id", "=", id)
          .execute();
        const next = toPromotionCode({ ...row, status: "archived" });
        await o.events.record(tx, scope, { type: "promotion_code.archived", object: next });
        return next;
      });
    },

    async listRedemptions(scope: Scope, q: RedemptionListQuery): Promise<Page<Redemption>> {
      return toPage(await repo.pageRedemptions(db, scope, q, q), toRedemption);
    },

    /** The gate subscription creation calls before it charges (throws the refusal). */
    async redeemForNew(scope: Scope, r: NewSubscriptionRedemption): Promise<CampaignClaim> {
      return redeem.redeem(scope, {
        target: {
          customerId: r.customer.id,
          country: r.customer.country ?? null,
          priceId: r.price.id,
          bundleId: r.bundleId,
          storefrontId: r.storefrontId,
          channel: r.channel,
          amount: r.price.amount,
          currency: r.price.currency,
        },
        promotionCode: r.promotionCode,
        couponId: r.coupon,
        fingerprint: await fingerprintOf(scope, r.customer.id, r.paymentMethod, r.fingerprint),
        subscriptionId: r.subscriptionId,
        firstPeriod: 1,
        customerHadSubscription: r.customerHadSubscription,
      });
    },

    /** After creation: the discount stays (and is announced) when the subscription exists, else it is given back. */
    async settleNew(scope: Scope, claim: CampaignClaim, subscription: Subscription | null): Promise<void> {
      if (!subscription) {
        await redeem.release(scope, claim);
        return;
      }
      if (await announce(scope, claim.discount)) return;
      // Not announced here: the sweep did (fine), or released the claim because this request outlived
      // CLAIM_GRACE_MS (sweep.ts). The latter leaves a subscription without its discount: say so loudly.
      if (!(await repo.findDiscount(db, scope, claim.discount.id)))
        loggerFor(deps, scope).error(
          { subscription: subscription.id, discount: claim.discount.id },
          "campaigns: the claim was released by the sweep before its subscription was settled",
        );
    },

    /** POST /v1/subscriptions/{id}/discount: from the next charged period on. */
    async applyToSubscription(scope: Scope, id: string, input: ApplyDiscount): Promise<Discount> {
      const sub = await requireSubscriptions().get(scope, id);
      if (sub.status === "cancelled" || sub.status === "expired")
        throw new ApiError("INVALID_STATE_TRANSITION", `A ${sub.status} subscription takes no discount`);
      const customer = await o.customers.requireCustomer(scope, sub.customer);
      const { price } = await o.catalog.getPrice(scope, sub.price);
      const count = await requireSubscriptions().customerSubscriptionCount(scope, customer.id);
      const claim = await redeem.redeem(scope, {
        target: {
          customerId: customer.id,
          country: customer.country ?? null,
          priceId: price.id,
          bundleId: sub.bundle,
          storefrontId: sub.storefront,
          channel: sub.channel,
          amount: price.amount,
          currency: price.currency,
        },
        promotionCode: input.promotion_code,
        couponId: input.coupon,
        fingerprint: await fingerprintOf(scope, customer.id, sub.payment_method, input.payment_method_fingerprint),
        subscriptionId: sub.id,
        firstPeriod: sub.period_index + 1,
        customerHadSubscription: count > 1,
      });
      await announce(scope, claim.discount);
      return toDiscount(claim.discount);
    },

    async getSubscriptionDiscount(scope: Scope, id: string): Promise<Discount> {
      await requireSubscriptions().get(scope, id);
      const row = await repo.activeDiscount(db, scope, id);
      if (!row) throw notFound("discount of subscription", id);
      return toDiscount(row);
    },

    /** DELETE: the discount ends now; charges from here on are at the full price. */
    async removeFromSubscription(scope: Scope, id: string): Promise<Discount> {
      await requireSubscriptions().get(scope, id);
      return db.transaction().execute(async (tx) => {
        const row = await repo.activeDiscount(tx, scope, id);
        if (!row) throw notFound("discount of subscription", id);
        const ended = { ...row, status: "ended" as const, ended_at: isoNow(scope.clock) };
        await tx
          .updateTable("discounts")
          .set({ status: ended.status, ended_at: ended.ended_at })
          .where(inScope(scope))
          .where("id", "=", row.id)
          .execute();
        await o.events.record(tx, scope, { type: "discount.removed", object: toDiscount(ended) });
        return toDiscount(ended);
      });
    },

    /** The periodic repair of claims a crash left half-way (sweep.ts); `serve` and `tessera worker` start it. */
    sweep,
    scheduleSweep: () => sweep.scheduleSweep(),

    ...charges,
    ...offers,
  };
  return service;
}

export type CampaignsService = ReturnType<typeof campaignsService>;
