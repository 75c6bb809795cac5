import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog, sandboxCharges } from "../../../../test/billing-setup.js";
import type { Json } from "../../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../../test/harness.js";
import type { PaymentProvider } from "../provider.js";
import { sandboxProvider } from "../providers/sandbox.js";

/*
 * Routing through the API: settings, the dry run, the decision kept on each payment, cascades on
 * "try another acquirer", and a PSP whose acceptance collapses losing the traffic and winning it
 * back once it recovers. Every PSP here is the sandbox under another name.
 */

describe("payment routing", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let storefront: string;
  let monthly: string;
  /** While true, "alpha" soft-declines every charge (issuer says no, not "try elsewhere"). */
  let alphaDeclines = false;
  /** While true, "flaky" is down: every charge is refused before processing. */
  let flakyDown = false;

  /** A sandbox that answers every charge with a soft decline first. */
  function declining(name: string, when: () => boolean, tryAnotherAcquirer: boolean): PaymentProvider {
    const real = sandboxProvider(ctx.deps.db, name);
    return {
      ...real,
      async charge(c, r) {
        if (!when()) return real.charge(c, r);
        return {
          status: "soft_decline",
          reference: null,
          code: tryAnotherAcquirer ? "issuer_not_available" : "do_not_honor",
          message: `${name} declined`,
          retry: { allowed: true, afterSeconds: 60, tryAnotherAcquirer },
          vendor: { code: null, raw: null },
        };
      },
    };
  }

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    const registry = ctx.services.payments.registry;
    registry.register(declining("alpha", () => alphaDeclines, false));
    registry.register(sandboxProvider(ctx.deps.db, "beta"));
    registry.register(declining("elsewhere", () => true, true));
    const flaky = sandboxProvider(ctx.deps.db, "flaky");
    registry.register({
      ...flaky,
      async charge(c, r) {
        if (!flakyDown) return flaky.charge(c, r);
        const vendor = { code: null, raw: null };
        return { status: "error", reference: null, code: "connection_refused", message: "flaky is down", vendor };
      },
    });
    const whole = sandboxProvider(ctx.deps.db, "no_partial");
    registry.register({ ...whole, capabilities: { ...whole.capabilities, partialRefund: false } });
    const cat = await billingCatalog(acme.api, {
      providers: [
        { name: "alpha" },
        { name: "beta" },
        { name: "elsewhere" },
        { name: "no_partial" },
        { name: "flaky" },
      ],
    });
    storefront = cat.storefront;
    monthly = cat.prices.monthly;
  });
  afterAll(() => ctx.close());

  const put = (body: object) => acme.api("PUT", `/v1/storefronts/${storefront}/payment-routing`, body);
  const preview = (body: object) =>
    acme.api("POST", "/v1/payments/route-preview", { storefront, amount: 1000, currency: "EUR", ...body });

  let n = 0;
  async function subscribeIn(country: string) {
    const cus = await acme.api("POST", "/v1/customers", { storefront, external_id: `r-${++n}`, country });
    return acme.api("POST", "/v1/subscriptions", {
      customer: cus.body.id,
      price: monthly,
      payment_method: "pm_sandbox_ok",
    });
  }

  it("stores settings, refuses providers the storefront does not use, and has defaults", async () => {
    const defaults = await acme.api("GET", `/v1/storefronts/${storefront}/payment-routing`);
    expect(defaults.body).toMatchObject({
      object: "payment_routing",
      rules: [],
      fees: [],
      weights: { success: 60, cost: 25, geography: 25, order: 15 },
    });
    const bad = await put({ rules: [{ name: "tr", countries: ["TR"], providers: ["iyzico"] }] });
    expect({ status: bad.status, path: bad.body.errors?.[0]?.path }).toEqual({
      status: 400,
      path: "rules.0.providers.0",
    });
    const badFee = await put({ fees: [{ provider: "beta", percent_bps: 100, fixed: -1 }] });
    expect(badFee.status).toBe(400);
    expect((await put({ surprise: true })).status).toBe(400);
    const other = await createTestTenant(ctx, "globex");
    expect((await other.api("GET", `/v1/storefronts/${storefront}/payment-routing`)).status).toBe(404);
    expect(
      (await other.api("POST", "/v1/payments/route-preview", { storefront, amount: 1, currency: "EUR" })).status,
    ).toBe(404);
  });

  it("rules choose the candidates; the dry run explains the choice and charges nothing", async () => {
    const ok = await put({
      rules: [
        { name: "turkey", countries: ["TR"], providers: ["beta"] },
        { name: "big", min_amount: 100_000, providers: ["no_partial", "beta"] },
      ],
    });
    expect(ok.status).toBe(200);
    const tr = await preview({ country: "TR" });
    expect(tr.status).toBe(200);
    expect(tr.body).toMatchObject({
      rule: "turkey",
      chosen: "beta",
      candidates: [{ provider: "beta", eligible: true }],
    });
    expect(tr.body.reason).toContain('rule "turkey"');
    const big = await preview({ country: "DE", amount: 250_000 });
    expect(big.body).toMatchObject({ rule: "big", chosen: "no_partial" });
    const none = await preview({ country: "DE" });
    expect(none.body.rule).toBeNull();
    expect(none.body.candidates.map((c: Json) => c.provider)).toEqual([
      "alpha",
      "beta",
      "elsewhere",
      "no_partial",
      "flaky",
    ]);
    expect(await sandboxCharges(ctx, "")).toEqual([]);
    const bad = await preview({ currency: "euro" });
    expect({ status: bad.status, path: bad.body.errors?.[0]?.path }).toEqual({ status: 400, path: "currency" });
    const pmWithoutCustomer = await preview({ payment_method: "pm_01JAAAAAAAAAAAAAAAAAAAAAAA" });
    expect({ status: pmWithoutCustomer.status, path: pmWithoutCustomer.body.errors?.[0]?.path }).toEqual({
      status: 400,
      path: "customer",
    });
  });

  it("fees, geography and required features move the choice, and each reason is kept", async () => {
    await put({
      rules: [{ name: "two", countries: ["FR", "BR"], providers: ["alpha", "beta"] }],
      fees: [
        { provider: "alpha", percent_bps: 290, fixed: 30 },
        { provider: "beta", currency: "EUR", percent_bps: 120, fixed: 10 },
      ],
    });
    const cheap = await preview({ country: "FR" });
    expect(cheap.body.chosen).toBe("beta");
    expect(cheap.body.candidates.map((c: Json) => [c.provider, c.fee])).toEqual([
      ["beta", 22],
      ["alpha", 59],
    ]);
    await put({
      rules: [{ name: "two", countries: ["FR", "BR"], providers: ["beta", "alpha"] }],
      geography: [{ countries: ["BR"], providers: ["alpha"] }],
    });
    const br = await preview({ country: "BR" });
    expect(br.body).toMatchObject({ chosen: "alpha" });
    expect(br.body.candidates[0]).toMatchObject({ provider: "alpha", preferred: true });
    expect((await preview({ country: "FR" })).body.chosen).toBe("beta");

    await put({
      rules: [{ name: "np", countries: ["FR"], providers: ["no_partial", "beta"] }],
      required_features: ["partial_refund"],
    });
    const np = await preview({ country: "FR" });
    expect(np.body.chosen).toBe("beta");
    expect(np.body.candidates).toContainEqual(
      expect.objectContaining({
        provider: "no_partial",
        eligible: false,
        excluded: "lacks required features: partial_refund",
      }),
    );
  });

  it("a soft decline marked 'try another acquirer' cascades, each PSP under its own key; every attempt is kept", async () => {
    await put({ rules: [{ name: "cascade", countries: ["IT"], providers: ["elsewhere", "beta"] }] });
    const res = await subscribeIn("IT");
    expect(res.status).toBe(201);
    const pay = (await acme.api("GET", `/v1/payments/${res.body.latest_payment.id}`)).body;
    expect(pay).toMatchObject({ status: "succeeded", provider: "beta", routing: { chosen: "elsewhere" } });
    expect(pay.attempts.map((a: Json) => [a.provider, a.result, a.code])).toEqual([
      ["elsewhere", "soft_decline", "issuer_not_available"],
      ["beta", "succeeded", null],
    ]);
    const [first, second] = pay.attempts.map((a: Json) => a.idempotency_key);
    expect(first).not.toBe(second);
    expect(pay.idempotency_key).toBe(second);
    const charges = await sandboxCharges(ctx, first);
    expect(charges.map((c) => [c.provider, c.idempotency_key])).toEqual([["beta", second]]);
  });

  it("an ordinary soft decline does not cascade: the issuer would say the same elsewhere", async () => {
    await put({ rules: [{ name: "es", countries: ["ES"], providers: ["alpha", "beta"] }] });
    alphaDeclines = true;
    try {
      const res = await subscribeIn("ES");
      expect({ status: res.status, decline: res.body.decline_code }).toEqual({ status: 402, decline: "do_not_honor" });
      const pay = (await acme.api("GET", `/v1/payments/${res.body.payment}`)).body;
      expect(pay.attempts.map((a: Json) => a.provider)).toEqual(["alpha"]);
      expect(await sandboxCharges(ctx, pay.idempotency_key)).toEqual([]);
    } finally {
      alphaDeclines = false;
    }
  });

  it("a PSP whose acceptance collapses loses the traffic, and wins it back after it recovers", async () => {
    await put({ rules: [{ name: "nl", countries: ["NL"], providers: ["alpha", "beta"] }] });
    const chosen = async () => (await preview({ country: "NL" })).body.chosen;
    expect(await chosen()).toBe("alpha");
    alphaDeclines = true;
    let declined = 0;
    while ((await chosen()) === "alpha" && declined < 50) {
      expect((await subscribeIn("NL")).status).toBe(402);
      declined++;
    }
    expect(await chosen()).toBe("beta");
    expect(declined).toBeGreaterThanOrEqual(2);
    // Meanwhile payments go to beta and succeed.
    const during = await subscribeIn("NL");
    expect(during.body.latest_payment).toMatchObject({ provider: "beta", status: "succeeded" });
    alphaDeclines = false;
    // Old evidence decays (half-life a week): alpha is primary again within weeks.
    let weeks = 0;
    while ((await chosen()) === "beta" && weeks < 12) {
      ctx.clock.advance(7 * 24 * 3_600_000);
      weeks++;
    }
    expect(await chosen()).toBe("alpha");
    expect(weeks).toBeGreaterThan(0);
    const after = await subscribeIn("NL");
    expect(after.body.latest_payment).toMatchObject({ provider: "alpha", status: "succeeded" });
    const pay = (await acme.api("GET", `/v1/payments/${after.body.latest_payment.id}`)).body;
    expect(pay.routing.candidates[0]).toMatchObject({ provider: "alpha" });
    expect(pay.routing.candidates[1].success_rate).toBeGreaterThan(0.8);
  });

  it("a PSP that keeps failing is demoted by its circuit breaker, probed when half-open, and recovers", async () => {
    await put({ rules: [{ name: "pt", countries: ["PT"], providers: ["flaky", "beta"] }] });
    flakyDown = true;
    for (let i = 0; i < 5; i++) {
      const res = await subscribeIn("PT");
      const pay = (await acme.api("GET", `/v1/payments/${res.body.latest_payment.id}`)).body;
      expect(pay.attempts.map((a: Json) => [a.provider, a.result])).toEqual([
        ["flaky", "error"],
        ["beta", "succeeded"],
      ]);
    }
    // Open: beta goes first, and flaky is not even asked.
    const open = await preview({ country: "PT" });
    expect(open.body.chosen).toBe("beta");
    expect(open.body.reason).toContain("breaker open: flaky");
    const demoted = await subscribeIn("PT");
    const pay = (await acme.api("GET", `/v1/payments/${demoted.body.latest_payment.id}`)).body;
    expect(pay.attempts.map((a: Json) => a.provider)).toEqual(["beta"]);
    // Outages are not the PSP's acceptance: its success rate is untouched.
    expect(open.body.candidates.find((c: Json) => c.provider === "flaky").observations).toBe(0);

    // Half-open after the cool-down: the next payment probes flaky, which is back.
    flakyDown = false;
    ctx.clock.advance(31_000);
    const probe = await subscribeIn("PT");
    expect(probe.body.latest_payment).toMatchObject({ provider: "flaky", status: "succeeded" });
    const closed = await preview({ country: "PT" });
    expect(closed.body.chosen).toBe("flaky");
    expect(closed.body.reason).not.toContain("breaker");
  });
});
