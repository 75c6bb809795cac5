import type { Subscription } from "@tessera/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, eventsOf, freezeAt, newCustomer } from "../../../test/billing-setup.js";
import {
  createTestApp,
  createTestTenant,
  type Json,
  type TestContext,
  type TestTenant,
} from "../../../test/harness.js";
import type { Scope } from "../../context.js";
import { withSystemAccess } from "../../db/access.js";
import { newId } from "../../lib/ids.js";
import { CAMPAIGNS_SWEEP_JOB, CLAIM_GRACE_MS, SWEEP_INTERVAL_MS } from "./sweep.js";

/*
 * The campaigns sweep (sweep.ts), on both dialects: the states a crash leaves between a coupon's
 * claim and its subscription are written the way the crash leaves them, then time passes and the
 * sweep runs. A claim for a subscription that never came is given back; a subscription whose
 * `discount.applied` was never recorded gets exactly one; a claim younger than the grace is left alone.
 */

const MINUTE_MS = 60_000;

describe("campaigns sweep: claims a crash left half-way", () => {
  let ctx: TestContext;
  let n = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  async function world() {
    const t: TestTenant = await createTestTenant(ctx, `sweep-${++n}`);
    const scope = t.scopes.development as Scope;
    return { t, api: t.api, scope, cat: (await billingCatalog(t.api)) as BillingCatalog };
  }
  type World = Awaited<ReturnType<typeof world>>;

  async function singleUseCode(w: World) {
    const c = await w.api("POST", "/v1/coupons", {
      name: "Once",
      duration: "once",
      percent_off: 20,
      max_redemptions: 1,
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    const code = `ONCE-${n}`;
    expect((await w.api("POST", "/v1/promotion-codes", { coupon: c.body.id, code })).status).toBe(201);
    return { coupon: c.body.id as string, code };
  }

  /** The request's first step only: the claim is written, the process dies before the subscription. */
  async function claimThenCrash(w: World, code: string) {
    const customerId = await newCustomer(w.api, w.cat.storefront);
    const customer = await ctx.services.customers.requireCustomer(w.scope, customerId);
    const subscriptionId = newId("subscription");
    const claim = await ctx.services.campaigns.redeemForNew(w.scope, {
      subscriptionId,
      customer,
      price: { id: w.cat.prices.monthly, amount: 999, currency: "EUR" },
      bundleId: w.cat.bundles.pro,
      storefrontId: w.cat.storefront,
      channel: "direct",
      paymentMethod: "pm_sandbox_ok",
      promotionCode: code,
      customerHadSubscription: false,
    });
    return { claim, subscriptionId };
  }

  const subscribeWith = async (w: World, code: string) =>
    w.api("POST", "/v1/subscriptions", {
      customer: await newCustomer(w.api, w.cat.storefront),
      price: w.cat.prices.monthly,
      payment_method: "pm_sandbox_ok",
      promotion_code: code,
    });
  const ledger = async (w: World, coupon: string) =>
    (await w.api("GET", `/v1/campaigns/redemptions?coupon=${coupon}&limit=100`)).body.data as Json[];
  const timesRedeemed = async (w: World, coupon: string) =>
    (await w.api("GET", `/v1/coupons/${coupon}`)).body.times_redeemed as number;
  const applied = async (w: World, discount: string) =>
    (await eventsOf(w.api, discount)).filter((e) => e.type === "discount.applied");
  const discountRow = (id: string) =>
    ctx.deps.db.selectFrom("discounts").selectAll().where("id", "=", id).executeTakeFirst();

  /**
   * The next sweep runs (one interval of wall time later), as the worker runs it: the periodic job
   * `serve` and `tessera worker` schedule (it schedules its own next run), then the repairs it queued.
   */
  async function sweepRuns(): Promise<void> {
    ctx.clock.advance(SWEEP_INTERVAL_MS);
    await withSystemAccess(() => ctx.services.campaigns.scheduleSweep());
    await ctx.services.worker.drain();
    const next = await withSystemAccess(() =>
      ctx.deps.db
        .selectFrom("jobs")
        .select("run_at")
        .where("type", "=", CAMPAIGNS_SWEEP_JOB)
        .where("status", "=", "pending")
        .execute(),
    );
    expect(next.map((j) => j.run_at)).toEqual([new Date(ctx.clock.now().getTime() + SWEEP_INTERVAL_MS).toISOString()]);
  }

  it("a claim whose subscription never came is released after the grace, not before; the coupon is redeemable again", async () => {
    const w = await world();
    const { coupon, code } = await singleUseCode(w);
    const { claim, subscriptionId } = await claimThenCrash(w, code);
    // The crash used the only redemption up: nobody else gets the code.
    const refused = await subscribeWith(w, code);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("COUPON_LIMIT_REACHED");

    // A minute younger than the grace: it could be a request still creating its subscription.
    ctx.clock.advance(CLAIM_GRACE_MS - MINUTE_MS - SWEEP_INTERVAL_MS);
    await sweepRuns();
    expect(await discountRow(claim.discount.id)).toMatchObject({ status: "active", announced_at: null });
    expect(await timesRedeemed(w, coupon)).toBe(1);

    // The next sweep: past the grace.
    await sweepRuns();
    expect(await discountRow(claim.discount.id)).toBeUndefined();
    expect(await timesRedeemed(w, coupon)).toBe(0);
    const released = (await ledger(w, coupon)).find((e) => e.id === claim.redemption.id);
    expect(released).toMatchObject({ outcome: "released", subscription: subscriptionId });
    const audit = await ctx.deps.db
      .selectFrom("audit_records")
      .select(["action", "reason"])
      .where("environment_id", "=", w.scope.environmentId)
      .where("action", "=", "campaign.redemption_released")
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]?.reason).toContain(subscriptionId);

    // The request, had it outlived the grace, cannot announce (nor bring back) the released claim.
    await ctx.services.campaigns.settleNew(w.scope, claim, { id: subscriptionId } as Subscription);
    expect(await applied(w, claim.discount.id)).toHaveLength(0);
    expect(await discountRow(claim.discount.id)).toBeUndefined();

    // A second sweep changes nothing.
    const before = await ledger(w, coupon);
    await sweepRuns();
    expect(await ledger(w, coupon)).toEqual(before);
    expect(await timesRedeemed(w, coupon)).toBe(0);

    // max_redemptions 1: the released redemption is the one the next customer gets.
    const again = await subscribeWith(w, code);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(await timesRedeemed(w, coupon)).toBe(1);
  });

  it("a subscription whose discount.applied was lost gets exactly one, and a late settle adds none", async () => {
    const w = await world();
    const { code } = await singleUseCode(w);
    const sub = await subscribeWith(w, code);
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    const discount = (await w.api("GET", `/v1/subscriptions/${sub.body.id}/discount`)).body;
    expect(await applied(w, discount.id)).toHaveLength(1);
    // The crash came after creation, before settleNew's transaction: no event, not announced.
    await ctx.deps.db
      .deleteFrom("events")
      .where("type", "=", "discount.applied")
      .where("object_id", "=", discount.id)
      .execute();
    await ctx.deps.db.updateTable("discounts").set({ announced_at: null }).where("id", "=", discount.id).execute();
    expect(await applied(w, discount.id)).toHaveLength(0);

    await sweepRuns();
    expect(await applied(w, discount.id)).toHaveLength(0);

    ctx.clock.advance(CLAIM_GRACE_MS);
    await sweepRuns();
    const events = await applied(w, discount.id);
    expect(events).toHaveLength(1);
    expect(events[0].data.object).toMatchObject({ id: discount.id, subscription: sub.body.id });
    expect((await discountRow(discount.id))?.announced_at).not.toBeNull();

    // The sweep again, and the request's own settle arriving late: still one.
    await sweepRuns();
    const row = await discountRow(discount.id);
    const redemption = await ctx.deps.db
      .selectFrom("campaign_redemptions")
      .selectAll()
      .where("id", "=", row!.redemption_id)
      .executeTakeFirstOrThrow();
    await ctx.services.campaigns.settleNew(w.scope, { discount: row!, redemption }, sub.body);
    expect(await applied(w, discount.id)).toHaveLength(1);
    expect((await w.api("GET", `/v1/subscriptions/${sub.body.id}/discount`)).status).toBe(200);
  });

  it("a release never takes a discount the request announced meanwhile", async () => {
    const w = await world();
    const { coupon, code } = await singleUseCode(w);
    const sub = await subscribeWith(w, code);
    const discount = (await w.api("GET", `/v1/subscriptions/${sub.body.id}/discount`)).body;
    const row = await discountRow(discount.id);
    const redemption = await ctx.deps.db
      .selectFrom("campaign_redemptions")
      .selectAll()
      .where("id", "=", row!.redemption_id)
      .executeTakeFirstOrThrow();
    // A subscription is gone from creation's point of view (settle with null) after it was announced.
    await ctx.services.campaigns.settleNew(w.scope, { discount: row!, redemption }, null);
    expect(await discountRow(discount.id)).toMatchObject({ status: "active" });
    expect(await timesRedeemed(w, coupon)).toBe(1);
    expect((await ledger(w, coupon)).find((e) => e.id === redemption.id)?.outcome).toBe("redeemed");
  });

  it("under a test clock, a claim ages by the environment's clock, not the wall clock", async () => {
    const w = await world();
    await freezeAt(w.api, "2026-03-01T10:00:00.000Z");
    const { coupon, code } = await singleUseCode(w);
    const frozen = { ...w.scope, clock: { now: () => new Date("2026-03-01T10:00:00.000Z") } };
    const { claim } = await claimThenCrash({ ...w, scope: frozen }, code);
    // Hours of wall time; the environment's clock has not moved.
    ctx.clock.advance(3 * 60 * MINUTE_MS);
    await sweepRuns();
    expect(await discountRow(claim.discount.id)).toMatchObject({ status: "active" });
    await freezeAt(w.api, "2026-03-01T10:20:00.000Z");
    await sweepRuns();
    expect(await discountRow(claim.discount.id)).toBeUndefined();
    expect(await timesRedeemed(w, coupon)).toBe(0);
  });
});
