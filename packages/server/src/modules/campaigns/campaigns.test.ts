import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  advance,
  type BillingCatalog,
  billingCatalog,
  freezeAt,
  newCustomer,
  paymentsOf,
} from "../../../test/billing-setup.js";
import { saxonAvailable, validateEn16931 } from "../../../test/en16931.js";
import {
  client,
  createTestApp,
  createTestTenant,
  type Json,
  type TestContext,
  type TestTenant,
} from "../../../test/harness.js";
import { setLegalEntity } from "../../../test/invoicing-setup.js";

describe("campaigns: coupons, promotion codes, discounts, triggers, ledger", () => {
  let ctx: TestContext;
  let n = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  /** A tenant of its own (so its own test clock) with the billing catalog. */
  async function world(start = "2026-03-01T10:00:00.000Z") {
    const tenant: TestTenant = await createTestTenant(ctx, `campaigns-${++n}`);
    await freezeAt(tenant.api, start);
    return { t: tenant, api: tenant.api, cat: (await billingCatalog(tenant.api)) as BillingCatalog };
  }
  type World = Awaited<ReturnType<typeof world>>;

  async function coupon(w: World, body: Record<string, unknown>) {
    const res = await w.api("POST", "/v1/coupons", { name: "Spring", duration: "once", percent_off: 25, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }
  async function code(w: World, couponId: string, text: string, extra: Record<string, unknown> = {}) {
    const res = await w.api("POST", "/v1/promotion-codes", { coupon: couponId, code: text, ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }
  const subscribe = (w: World, customer: string, extra: Record<string, unknown> = {}) =>
    w.api("POST", "/v1/subscriptions", {
      customer,
      price: w.cat.prices.monthly,
      payment_method: "pm_sandbox_ok",
      ...extra,
    });
  const ledger = async (w: World, query = "") =>
    (await w.api("GET", `/v1/campaigns/redemptions?limit=100${query}`)).body.data as Json[];

  it("creates, lists, updates and deletes coupons and codes; refuses bad input", async () => {
    const w = await world();
    const both = await w.api("POST", "/v1/coupons", {
      name: "x",
      duration: "once",
      percent_off: 10,
      amounts_off: { EUR: 100 },
    });
    expect(both.status).toBe(400);
    expect(both.body.code).toBe("VALIDATION_FAILED");
    const noPeriods = await w.api("POST", "/v1/coupons", { name: "x", duration: "repeating", percent_off: 10 });
    expect(noPeriods.status).toBe(400);
    expect((await w.api("POST", "/v1/coupons", { name: "x", duration: "once", percent_off: 10, x: 1 })).status).toBe(
      400,
    );

    const c = await coupon(w, { percent_off: 12.5, duration: "repeating", duration_in_periods: 3 });
    expect(c).toMatchObject({ object: "coupon", percent_off: 12.5, duration_in_periods: 3, times_redeemed: 0 });
    const p = await code(w, c.id, "Spring25");
    const dup = await w.api("POST", "/v1/promotion-codes", { coupon: c.id, code: "SPRING25" });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("ALREADY_EXISTS");
    expect((await w.api("GET", "/v1/promotion-codes?code=spring25")).body.data.map((x: Json) => x.id)).toEqual([p.id]);
    const patched = await w.api("PATCH", `/v1/coupons/${c.id}`, { name: "Spring!", max_redemptions: 10 });
    expect(patched.body).toMatchObject({ name: "Spring!", max_redemptions: 10, percent_off: 12.5 });
    expect((await w.api("PATCH", `/v1/coupons/${c.id}`, { percent_off: 50 })).status).toBe(400);
    expect((await w.api("GET", "/v1/coupons")).body.data.map((x: Json) => x.id)).toContain(c.id);

    // Never redeemed: deleted, codes with it.
    const del = await w.api("DELETE", `/v1/coupons/${c.id}`);
    expect(del.body).toMatchObject({ deleted: true, archived: false });
    expect((await w.api("GET", `/v1/coupons/${c.id}`)).status).toBe(404);
    expect((await w.api("GET", `/v1/promotion-codes/${p.id}`)).status).toBe(404);
    // Another tenant sees nothing.
    const other = await world();
    const mine = await coupon(w, {});
    expect((await other.api("GET", `/v1/coupons/${mine.id}`)).status).toBe(404);
  });

  it("a code takes its percent off the first charge; ledger, event and audit record it; the counters move", async () => {
    const w = await world();
    const c = await coupon(w, { percent_off: 25, duration: "once" });
    await code(w, c.id, "WELCOME");
    const customer = await newCustomer(w.api, w.cat.storefront);
    const sub = await subscribe(w, customer, { promotion_code: "welcome" });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    // 999 × 25% = 249.75 → 250 off (half up).
    expect(sub.body.latest_payment.amount).toBe(749);

    const [entry] = await ledger(w, `&customer=${customer}`);
    expect(entry).toMatchObject({ outcome: "redeemed", coupon: c.id, subscription: sub.body.id, code: null });
    expect(entry.checks.every((x: Json) => x.passed)).toBe(true);
    expect(entry.checks.map((x: Json) => x.check)).toEqual(
      expect.arrayContaining(["coupon_active", "promotion_code_active", "max_redemptions_per_customer"]),
    );
    expect((await w.api("GET", `/v1/coupons/${c.id}`)).body.times_redeemed).toBe(1);
    expect((await w.api("GET", `/v1/subscriptions/${sub.body.id}/discount`)).body).toMatchObject({
      coupon: c.id,
      first_period: 1,
      last_period: 1,
      status: "active",
    });
    const types = (await w.api("GET", "/v1/events?type=discount.applied")).body.data.map(
      (e: Json) => e.data.object.subscription,
    );
    expect(types).toContain(sub.body.id);
    const audit = await w.api("GET", `/v1/audit?object_id=${entry.id}`);
    expect(audit.status).toBe(200);
    expect(audit.body.data.map((r: Json) => [r.kind, r.action])).toContainEqual(["decision", "campaign.redemption"]);

    // A redeemed coupon is archived, not deleted.
    expect((await w.api("DELETE", `/v1/coupons/${c.id}`)).body).toMatchObject({ deleted: false, archived: true });
    const other = await newCustomer(w.api, w.cat.storefront);
    const refused = await subscribe(w, other, { promotion_code: "WELCOME" });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("COUPON_NOT_REDEEMABLE");
    expect(refused.body.errors[0].message).toContain("coupon_active");
  });

  it("refuses what does not apply — with the failed check in the problem and the ledger — and creates nothing", async () => {
    const w = await world();
    const premiumOnly = await coupon(w, {
      applies_to: { bundles: [w.cat.bundles.premium] },
      first_subscription_only: true,
      max_redemptions_per_customer: 1,
    });
    await code(w, premiumOnly.id, "PREMIUM");
    const customer = await newCustomer(w.api, w.cat.storefront);
    const wrong = await subscribe(w, customer, { promotion_code: "PREMIUM" });
    expect(wrong.status).toBe(409);
    expect(wrong.body.code).toBe("COUPON_NOT_REDEEMABLE");
    expect(wrong.body.errors[0]).toMatchObject({ path: "promotion_code" });
    expect(wrong.body.errors[0].message).toContain("applies_to_product");
    expect((await w.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data).toEqual([]);
    const unknown = await subscribe(w, customer, { promotion_code: "NOPE-123" });
    expect(unknown.status).toBe(409);

    const ok = await subscribe(w, customer, { promotion_code: "PREMIUM", price: w.cat.prices.premium });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.latest_payment.amount).toBe(1499);
    const again = await subscribe(w, customer, { promotion_code: "PREMIUM", price: w.cat.prices.premium });
    expect(again.status).toBe(409);
    expect(again.body.errors[0].message).toContain("first_subscription");

    const entries = await ledger(w, `&customer=${customer}`);
    expect(entries.map((e) => [e.outcome, e.checks.find((x: Json) => !x.passed)?.check ?? null])).toEqual([
      ["refused", "first_subscription"],
      ["redeemed", null],
      ["refused", "promotion_code_exists"],
      ["refused", "applies_to_product"],
    ]);
    expect((await ledger(w, "&outcome=refused")).length).toBe(3);
  });

  it("a declined first charge gives the redemption back", async () => {
    const w = await world();
    const c = await coupon(w, { max_redemptions: 1 });
    await code(w, c.id, "ONLYONE");
    const customer = await newCustomer(w.api, w.cat.storefront);
    const declined = await subscribe(w, customer, { promotion_code: "ONLYONE", payment_method: "pm_sandbox_declined" });
    expect(declined.status).toBe(402);
    expect((await w.api("GET", `/v1/coupons/${c.id}`)).body.times_redeemed).toBe(0);
    expect((await ledger(w))[0]).toMatchObject({ outcome: "released" });
    const ok = await subscribe(w, customer, { promotion_code: "ONLYONE" });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
  });

  it("a repeating discount comes off N renewals, then ends (discount.ended); amounts off are per currency", async () => {
    const w = await world("2026-01-15T10:00:00.000Z");
    const c = await coupon(w, {
      percent_off: undefined,
      amounts_off: { EUR: 300 },
      duration: "repeating",
      duration_in_periods: 3,
    });
    const customer = await newCustomer(w.api, w.cat.storefront);
    const usd = await subscribe(w, customer, { coupon: c.id, price: w.cat.prices.usd });
    expect(usd.status).toBe(409);
    expect(usd.body.errors[0].message).toContain("currency");
    const sub = await subscribe(w, customer, { coupon: c.id });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    await advance(w.api, "P4M");
    const payments = await paymentsOf(w.api, sub.body.id);
    expect(payments.map((p) => [p.period_index, p.amount])).toEqual([
      [1, 699],
      [2, 699],
      [3, 699],
      [4, 999],
      [5, 999],
    ]);
    const ended = (await w.api("GET", "/v1/events?type=discount.ended")).body.data;
    expect(ended.map((e: Json) => e.data.object.subscription)).toEqual([sub.body.id]);
    expect((await w.api("GET", `/v1/subscriptions/${sub.body.id}/discount`)).status).toBe(404);
  });

  it("a discount put on an existing subscription starts at its next period; DELETE ends it", async () => {
    const w = await world("2026-01-15T10:00:00.000Z");
    const c = await coupon(w, { percent_off: 50, duration: "forever" });
    await code(w, c.id, "HALF");
    const customer = await newCustomer(w.api, w.cat.storefront);
    const sub = (await subscribe(w, customer)).body;
    const applied = await w.api("POST", `/v1/subscriptions/${sub.id}/discount`, { promotion_code: "HALF" });
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    expect(applied.body).toMatchObject({ first_period: 2, last_period: null });
    expect((await w.api("POST", `/v1/subscriptions/${sub.id}/discount`, {})).status).toBe(400);
    const upgrade = await coupon(w, { trigger: { type: "upgrade" } });
    await advance(w.api, "P1M");
    // Proration on an upgrade: the percent comes off the prorated amount too.
    const change = await w.api("POST", `/v1/subscriptions/${sub.id}/change-plan`, {
      price: w.cat.prices.premium,
      proration: "now",
    });
    expect(change.status, JSON.stringify(change.body)).toBe(200);
    // The plan change hit the upgrade trigger: the customer has an offer for its coupon.
    await ctx.services.worker.drain();
    const offers = (await w.api("GET", `/v1/customers/${customer}/campaign-offers`)).body.data;
    expect(offers.map((o: Json) => [o.coupon, o.trigger])).toEqual([[upgrade.id, "upgrade"]]);
    const removed = await w.api("DELETE", `/v1/subscriptions/${sub.id}/discount`);
    expect(removed.body).toMatchObject({ status: "ended" });
    expect((await w.api("DELETE", `/v1/subscriptions/${sub.id}/discount`)).status).toBe(404);
    await advance(w.api, "P1M");
    const payments = await paymentsOf(w.api, sub.id);
    expect(payments.map((p) => [p.kind, p.amount])).toEqual([
      ["subscription_create", 999],
      ["renewal", 499],
      // The change lands at the period start: the whole difference (1999 − 999), half off.
      ["proration", 500],
      ["renewal", 1999],
    ]);
  });

  it("triggered campaigns need an open offer: API offers with campaigns:offer (limited per customer), win-back on cancel", async () => {
    const w = await world();
    const api = await coupon(w, { trigger: { type: "api", offer_valid_days: 7, max_offers_per_customer: 1 } });
    await code(w, api.id, "VIP");
    const customer = await newCustomer(w.api, w.cat.storefront);
    const without = await subscribe(w, customer, { promotion_code: "VIP" });
    expect(without.status).toBe(409);
    expect(without.body.code).toBe("CAMPAIGN_OFFER_REQUIRED");

    const weak = await w.api("POST", "/v1/api-keys", { name: "marketing", scopes: ["campaigns:write"] });
    expect(weak.status, JSON.stringify(weak.body)).toBe(201);
    const marketing = client(ctx, weak.body.secret, w.t.slug);
    expect((await marketing("POST", `/v1/customers/${customer}/campaign-offers`, { coupon: api.id })).status).toBe(403);

    const offer = await w.api("POST", `/v1/customers/${customer}/campaign-offers`, { coupon: api.id });
    expect(offer.status, JSON.stringify(offer.body)).toBe(201);
    expect(offer.body).toMatchObject({ trigger: "api", redeemed_at: null, expires_at: "2026-03-08T10:00:00.000Z" });
    const twice = await w.api("POST", `/v1/customers/${customer}/campaign-offers`, { coupon: api.id });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe("COUPON_LIMIT_REACHED");
    const sub = await subscribe(w, customer, { promotion_code: "VIP" });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    expect((await w.api("GET", `/v1/customers/${customer}/campaign-offers`)).body.data[0].redeemed_at).not.toBeNull();

    // Win-back: a cancellation issues an offer for the win-back coupon, once per window.
    const winBack = await coupon(w, { trigger: { type: "win_back" } });
    await w.api("POST", `/v1/subscriptions/${sub.body.id}/cancel`, { at_period_end: false });
    await ctx.services.worker.drain();
    const offers = (await w.api("GET", `/v1/customers/${customer}/campaign-offers`)).body.data;
    expect(offers.map((o: Json) => [o.coupon, o.trigger])).toContainEqual([winBack.id, "win_back"]);
    const back = await subscribe(w, customer, { coupon: winBack.id });
    expect(back.status, JSON.stringify(back.body)).toBe(201);
    expect(back.body.latest_payment.amount).toBe(749);
  });

  it("velocity limits per code and per payment-method fingerprint refuse with 429 and are in the ledger", async () => {
    const w = await world();
    const c = await coupon(w, { velocity: { per_code_per_hour: 2, per_fingerprint_per_day: 1 } });
    await code(w, c.id, "FAST");
    const results: number[] = [];
    for (const fp of ["fp-a", "fp-b", "fp-c"]) {
      const customer = await newCustomer(w.api, w.cat.storefront);
      results.push(
        (await subscribe(w, customer, { promotion_code: "FAST", trial_identity: { payment_method_fingerprint: fp } }))
          .status,
      );
    }
    expect(results).toEqual([201, 201, 429]);
    await advance(w.api, "PT61M");
    const sameCard = await subscribe(w, await newCustomer(w.api, w.cat.storefront), {
      promotion_code: "FAST",
      trial_identity: { payment_method_fingerprint: "fp-a" },
    });
    expect(sameCard.status).toBe(429);
    expect(sameCard.body.code).toBe("COUPON_VELOCITY_EXCEEDED");
    const refusals = (await ledger(w, "&outcome=refused")).map((e) => e.checks.find((x: Json) => !x.passed).check);
    expect(refusals).toEqual(["velocity_per_fingerprint", "velocity_per_code"]);
  });

  it("invoices show the full price and a discount line; the UBL passes the EN 16931 schematron", async () => {
    const w = await world();
    await setLegalEntity(w.api, w.cat.storefront);
    const c = await coupon(w, { percent_off: 20, duration: "forever" });
    const customer = await newCustomer(w.api, w.cat.storefront);
    const sub = (await subscribe(w, customer, { coupon: c.id })).body;
    expect(sub.latest_payment.amount).toBe(799);
    await ctx.services.worker.drain();
    const [invoice] = (await w.api("GET", `/v1/invoices?subscription=${sub.id}`)).body.data;
    expect(invoice.lines.map((l: Json) => l.kind)).toEqual(["subscription", "discount"]);
    expect(invoice.total).toBe(799);
    const xml = await ctx.app.request(`/v1/invoices/${invoice.id}.xml`, {
      headers: { authorization: `Bearer ${w.t.keys.development}`, "x-tn": w.t.slug },
    });
    const text = await xml.text();
    expect(text).toContain("Discount: Spring (20% off)");
    if (!saxonAvailable() && !process.env.CI) return;
    const results = validateEn16931({ [invoice.id]: text });
    expect(results[invoice.id]!.fatal, text).toEqual([]);
  }, 120_000);

  it("a failed renewal (grace) hits the dunning-recovery trigger", async () => {
    const w = await world("2026-01-15T10:00:00.000Z");
    const recovery = await coupon(w, { trigger: { type: "dunning_recovery", offer_valid_days: 3 } });
    const customer = await newCustomer(w.api, w.cat.storefront);
    const sub = await subscribe(w, customer, { payment_method: "pm_sandbox_ok_then_decline" });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    await advance(w.api, "P1M");
    expect((await w.api("GET", `/v1/subscriptions/${sub.body.id}`)).body.status).toBe("grace");
    await ctx.services.worker.drain();
    const offers = (await w.api("GET", `/v1/customers/${customer}/campaign-offers`)).body.data;
    expect(offers.map((o: Json) => [o.coupon, o.trigger])).toEqual([[recovery.id, "dunning_recovery"]]);
  });

  it("export lists the customer's redemptions and discounts", async () => {
    const w = await world();
    const c = await coupon(w, {});
    const customer = await newCustomer(w.api, w.cat.storefront);
    expect((await subscribe(w, customer, { coupon: c.id })).status).toBe(201);
    const { campaignsPrivacyHandler } = await import("./privacy.js");
    const scope = w.t.scopes.development!;
    const exported = (await campaignsPrivacyHandler.export(ctx.deps.db, scope, {
      customerId: customer,
      objectIds: [],
      personalValues: [],
    })) as Json;
    expect(exported.redemptions).toHaveLength(1);
    expect(exported.discounts).toHaveLength(1);
  });
});
