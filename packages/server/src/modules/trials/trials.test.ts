import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

const DAY = 24 * 60 * 60_000;

describe("trial eligibility", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let other: TestTenant;
  let catalog: BillingCatalog;
  let premiumTrial: string;
  let n = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx, "acme");
    other = await createTestTenant(ctx, "other");
    catalog = await billingCatalog(acme.api);
    premiumTrial = (
      await acme.api("POST", `/v1/bundles/${catalog.bundles.premium}/prices`, {
        currency: "EUR",
        amount: 1999,
        interval: "month",
        trial_days: 7,
      })
    ).body.id;
  });
  afterAll(() => ctx.close());

  const customer = async (email: string) =>
    (await acme.api("POST", "/v1/customers", { storefront: catalog.storefront, external_id: `t-${++n}`, email })).body
      .id as string;
  const subscribe = (id: string, price = catalog.prices.trial, extra: Record<string, unknown> = {}) =>
    acme.api("POST", "/v1/subscriptions", { customer: id, price, payment_method: "pm_sandbox_ok", ...extra });
  const eligibility = async (id: string, query = `price=${catalog.prices.trial}`) =>
    (await acme.api("GET", `/v1/customers/${id}/eligibility?${query}`)).body;

  it("without a policy, every trial is allowed", async () => {
    const a = await customer("free-for-all@example.com");
    expect((await subscribe(a)).body.status).toBe("trial");
    expect(await eligibility(a)).toMatchObject({ eligible: true, rule: null, trial_days: 14 });
  });

  it("one trial per customer, normalized e-mail and MSISDN, with the deciding rule", async () => {
    const policy = await acme.api("PATCH", `/v1/storefronts/${catalog.storefront}/trial-policy`, {
      one_per: ["customer", "email", "device", "msisdn"],
      lookback_days: 365,
    });
    expect(policy.status).toBe(200);
    expect(policy.body).toMatchObject({ family: "storefront", on_ineligible: "refuse", lookback_days: 365 });

    const jane = await customer("jane.doe@gmail.com");
    expect(await eligibility(jane)).toMatchObject({ eligible: true, rule: null });
    const first = await subscribe(jane, catalog.prices.trial, { trial_identity: { msisdn: "+49 170 5550123" } });
    expect(first.status).toBe(201);
    expect(first.body.status).toBe("trial");

    expect(await eligibility(jane)).toMatchObject({
      eligible: false,
      rule: "one_per_customer",
      previous_trial: { subscription: first.body.id },
    });
    // The same inbox under another spelling.
    const alias = await customer("Jane.Doe+again@GoogleMail.com");
    expect(await eligibility(alias)).toMatchObject({ eligible: false, rule: "one_per_email" });
    // Another address, the same line (the number spelled differently).
    const line = await customer("someone-else@example.com");
    expect(await eligibility(line, `price=${catalog.prices.trial}&msisdn=491705550123`)).toMatchObject({
      eligible: false,
      rule: "one_per_msisdn",
    });
    expect(await eligibility(line)).toMatchObject({ eligible: true });
    // A price without a trial has nothing to decide.
    expect(await eligibility(alias, `price=${catalog.prices.monthly}`)).toMatchObject({
      eligible: true,
      trial_days: 0,
    });

    // Asking for the trial anyway: refused, and the decision is an event (so audited).
    const refused = await subscribe(alias);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("TRIAL_NOT_ELIGIBLE");
    expect(refused.body.errors[0].message).toContain("one_per_email");
    const decided = (await acme.api("GET", `/v1/events?type=trial.eligibility_decided&limit=100`)).body.data;
    expect(decided.map((e: { data: { object: { customer: string; outcome: string } } }) => e.data.object)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ customer: alias, eligible: false, outcome: "refuse", rule: "one_per_email" }),
      ]),
    );
    await ctx.services.worker.drain();
    const audit = (await acme.api("GET", "/v1/audit?action=trial.eligibility_decided&limit=100")).body.data;
    expect(audit.length).toBeGreaterThan(0);

    // Per setting, started and charged now instead.
    await acme.api("PATCH", `/v1/storefronts/${catalog.storefront}/trial-policy`, {
      on_ineligible: "start_without_trial",
    });
    const charged = await subscribe(alias);
    expect(charged.status).toBe(201);
    expect(charged.body).toMatchObject({ status: "active", trial_end: null });
    expect(charged.body.latest_payment).toMatchObject({ amount: 999, status: "succeeded" });
  });

  it("counts per bundle when the family is the bundle, and forgets trials older than the window", async () => {
    await acme.api("PATCH", `/v1/storefronts/${catalog.storefront}/trial-policy`, {
      one_per: ["customer"],
      family: "bundle",
      lookback_days: 30,
      on_ineligible: "refuse",
    });
    const c = await customer("bundles@example.com");
    expect((await subscribe(c)).body.status).toBe("trial");
    expect(await eligibility(c)).toMatchObject({ eligible: false, rule: "one_per_customer" });
    expect(await eligibility(c, `price=${premiumTrial}`)).toMatchObject({ eligible: true });
    ctx.clock.advance(31 * DAY);
    expect(await eligibility(c)).toMatchObject({ eligible: true });
  });

  it("grants one trial when sign-ups with the same identity race (decide and claim are one step)", async () => {
    await acme.api("PATCH", `/v1/storefronts/${catalog.storefront}/trial-policy`, {
      one_per: ["email"],
      family: "storefront",
      lookback_days: null,
      on_ineligible: "refuse",
    });
    const spellings = [
      "race.me@gmail.com",
      "raceme@gmail.com",
      "Race.Me+1@gmail.com",
      "raceme+2@googlemail.com",
      "RACEME@gmail.com",
    ];
    const customers = [];
    for (const email of spellings) customers.push(await customer(email));
    const results = await Promise.all(customers.map((c) => subscribe(c)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const winner = results.find((r) => r.status === 201)!.body;
    expect(winner.status).toBe("trial");
    const claims = await ctx.deps.db
      .selectFrom("trial_claims")
      .select(["customer_id", "subscription_id"])
      .where("customer_id", "in", customers)
      .execute();
    expect(claims).toEqual([{ customer_id: winner.customer, subscription_id: winner.id }]);
  });

  it("drops the claim when the subscription could not be created", async () => {
    // A storefront with no payment provider: a trial is refused after the policy allowed it.
    const shop = (
      await acme.api("POST", "/v1/storefronts", {
        key: "no-psp",
        name: "No PSP",
        type: "web",
        bundles: [catalog.bundles.pro],
      })
    ).body.id;
    await acme.api("PATCH", `/v1/storefronts/${shop}/trial-policy`, { one_per: ["customer"] });
    const c = (await acme.api("POST", "/v1/customers", { storefront: shop, external_id: "no-psp-1" })).body.id;
    const refused = await subscribe(c);
    expect(refused.status).toBe(422);
    const decided = (await acme.api("GET", `/v1/events?type=trial.eligibility_decided&limit=100`)).body.data;
    expect(decided.some((e: { data: { object: { customer: string } } }) => e.data.object.customer === c)).toBe(true);
    const claims = await ctx.deps.db.selectFrom("trial_claims").select("id").where("customer_id", "=", c).execute();
    expect(claims).toEqual([]);
    expect(await eligibility(c)).toMatchObject({ eligible: true });
  });

  it("refuses bad input, and another tenant's objects are 404", async () => {
    const c = await customer("input@example.com");
    expect((await acme.api("GET", `/v1/customers/${c}/eligibility?price=price_nope`)).status).toBe(400);
    expect((await acme.api("GET", `/v1/customers/${c}/eligibility`)).status).toBe(400);
    expect(
      (await acme.api("GET", `/v1/customers/${c}/eligibility?price=${catalog.prices.trial}&msisdn=call-me`)).status,
    ).toBe(400);
    const bad = await acme.api("PATCH", `/v1/storefronts/${catalog.storefront}/trial-policy`, { one_per: ["ip"] });
    expect(bad.status).toBe(400);
    expect((await acme.api("PATCH", `/v1/storefronts/${catalog.storefront}/trial-policy`, { extra: 1 })).status).toBe(
      400,
    );
    expect((await other.api("GET", `/v1/customers/${c}/eligibility?price=${catalog.prices.trial}`)).status).toBe(404);
    expect((await other.api("GET", `/v1/storefronts/${catalog.storefront}/trial-policy`)).status).toBe(404);
  });
});
