import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, newCustomer } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type Json, type TestContext } from "../../../test/harness.js";

/*
 * Redemption under concurrency, on both dialects: requests fired together never redeem a coupon
 * past its overall or per-customer limit, and every request the limits could take is taken.
 */

describe("redemption is atomic under concurrency", () => {
  let ctx: TestContext;
  let n = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  async function world() {
    const t = await createTestTenant(ctx, `race-${++n}`);
    return { api: t.api, cat: (await billingCatalog(t.api)) as BillingCatalog };
  }
  type World = Awaited<ReturnType<typeof world>>;

  async function limited(w: World, limits: Record<string, number>) {
    const c = await w.api("POST", "/v1/coupons", { name: "Race", percent_off: 10, duration: "once", ...limits });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    const code = `RACE-${n}`;
    expect((await w.api("POST", "/v1/promotion-codes", { coupon: c.body.id, code })).status).toBe(201);
    return { coupon: c.body.id as string, code };
  }

  /** Subscribes every customer at once with the code; the answers' statuses in request order. */
  async function race(w: World, code: string, customers: string[]) {
    const answers = await Promise.all(
      customers.map((customer) =>
        w.api("POST", "/v1/subscriptions", {
          customer,
          price: w.cat.prices.monthly,
          payment_method: "pm_sandbox_ok",
          promotion_code: code,
        }),
      ),
    );
    for (const a of answers) if (a.status !== 201) expect(a.body.code).toBe("COUPON_LIMIT_REACHED");
    return answers.map((a) => a.status);
  }

  async function counted(w: World, coupon: string) {
    const ledger = (await w.api("GET", `/v1/campaigns/redemptions?coupon=${coupon}&limit=100`)).body.data as Json[];
    return {
      times: (await w.api("GET", `/v1/coupons/${coupon}`)).body.times_redeemed as number,
      redeemed: ledger.filter((e) => e.outcome === "redeemed"),
      refused: ledger.filter((e) => e.outcome === "refused"),
    };
  }

  it("eight sign-ups at once on a code with three redemptions left: three get it, five are refused", async () => {
    const w = await world();
    const { coupon, code } = await limited(w, { max_redemptions: 3 });
    const customers = await Promise.all(Array.from({ length: 8 }, () => newCustomer(w.api, w.cat.storefront)));
    const statuses = await race(w, code, customers);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    const c = await counted(w, coupon);
    expect(c.times).toBe(3);
    expect(c.redeemed).toHaveLength(3);
    expect(c.refused).toHaveLength(5);
    expect(c.refused.every((e) => e.checks.find((x: Json) => !x.passed).check === "max_redemptions")).toBe(true);
  });

  it("one customer applying one code to five subscriptions at once gets it once", async () => {
    const w = await world();
    const { coupon, code } = await limited(w, { max_redemptions_per_customer: 1 });
    const customer = await newCustomer(w.api, w.cat.storefront);
    const subs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await w.api("POST", "/v1/subscriptions", {
        customer,
        price: w.cat.prices.monthly,
        payment_method: "pm_sandbox_ok",
      });
      subs.push(s.body.id);
    }
    const answers = await Promise.all(
      subs.map((id) => w.api("POST", `/v1/subscriptions/${id}/discount`, { promotion_code: code })),
    );
    expect(answers.map((a) => a.status).filter((s) => s === 201)).toHaveLength(1);
    const c = await counted(w, coupon);
    expect(c.times).toBe(1);
    expect(c.refused.map((e) => e.checks.find((x: Json) => !x.passed).check)).toEqual(
      Array(4).fill("max_redemptions_per_customer"),
    );
  });

  it("property: whatever the limits and the mix of customers, redemptions = min(max, Σ min(per customer, asked))", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 2 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 7 }),
        async (max, perCustomer, who) => {
          const w = await world();
          const { coupon, code } = await limited(w, {
            max_redemptions: max,
            max_redemptions_per_customer: perCustomer,
          });
          const people = await Promise.all([0, 1, 2].map(() => newCustomer(w.api, w.cat.storefront)));
          const statuses = await race(
            w,
            code,
            who.map((i) => people[i]!),
          );
          const asked = [0, 1, 2].map((i) => who.filter((x) => x === i).length);
          const expected = Math.min(
            max,
            asked.reduce((sum, k) => sum + Math.min(perCustomer, k), 0),
          );
          const c = await counted(w, coupon);
          expect(statuses.filter((s) => s === 201)).toHaveLength(expected);
          expect(c.times).toBe(expected);
          expect(c.redeemed).toHaveLength(expected);
          for (const i of [0, 1, 2])
            expect(c.redeemed.filter((e) => e.customer === people[i]).length).toBeLessThanOrEqual(perCustomer);
        },
      ),
      { numRuns: 6 },
    );
  }, 240_000);
});
