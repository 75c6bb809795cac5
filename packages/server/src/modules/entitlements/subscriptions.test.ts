import { EntitlementClaims } from "@tessera/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Json } from "../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { created, setupCatalog } from "./test-setup.js";

/*
 * Subscriptions as a source of entitlements, through the real subscriptions module (sandbox
 * payments): merged with grants, shown with their sources, in tokens' `subs`, and bounding the
 * token's life by the subscription's next change.
 */
const payload = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());

describe("entitlements from subscriptions", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let storefront: string;
  let proPrice: string;
  let teamPrice: string;
  let n = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    const { bundle } = await setupCatalog(acme.api);
    const team = await created<{ id: string; prices: Array<{ id: string }> }>(acme.api, "/v1/bundles", {
      key: "team",
      name: "Team",
      entitlements: [
        { key: "support", level: "dedicated" },
        { key: "api-calls", limit: 50 },
        { key: "courses", content: ["c1"] },
      ],
      prices: [{ currency: "EUR", amount: 2990, interval: "month" }],
    });
    const pro = await acme.api("GET", `/v1/bundles/${bundle.id}`);
    proPrice = pro.body.prices[0].id;
    teamPrice = team.prices[0]!.id;
    storefront = (
      await created<{ id: string }>(acme.api, "/v1/storefronts", {
        key: "paid",
        name: "Paid",
        type: "web",
        bundles: [bundle.id, team.id],
        payment_providers: [{ name: "sandbox" }],
      })
    ).id;
  });
  afterAll(() => ctx.close());
  beforeEach(() => ctx.clock.set("2026-01-10T00:00:00.000Z"));

  const newCustomer = async () =>
    (await created<{ id: string }>(acme.api, "/v1/customers", { storefront, external_id: `s-${++n}` })).id;
  const subscribe = async (customer: string, price: string) =>
    created<{ id: string; current_period_end: string }>(acme.api, "/v1/subscriptions", {
      customer,
      price,
      payment_method: "pm_sandbox_ok",
    });
  const effective = async (customer: string) => (await acme.api("GET", `/v1/customers/${customer}/entitlements`)).body;
  const byKey = (body: { entitlements: Array<{ key: string }> }) =>
    Object.fromEntries(body.entitlements.map((e) => [e.key, e])) as Record<string, Json>;

  it("merges two subscriptions and a grant, naming every source", async () => {
    const c = await newCustomer();
    const pro = await subscribe(c, proPrice);
    const team = await subscribe(c, teamPrice);
    const grant = await created<{ id: string }>(acme.api, `/v1/customers/${c}/grants`, {
      entitlement: "api-calls",
      limit: 25,
      reason: "comp",
    });
    const body = await effective(c);
    const e = byKey(body);
    expect(e["export-pdf"]).toMatchObject({ sources: [pro.id] });
    expect(e.support).toMatchObject({ level: "dedicated", rank: 2, sources: [pro.id, team.id].sort() });
    expect(e["api-calls"]).toMatchObject({ limit: 175, sources: [grant.id, pro.id, team.id].sort() });
    expect(e.courses).toMatchObject({ content: ["c1"], sources: [team.id] });
    expect(body.subscriptions.map((s: { bundle_key: string }) => s.bundle_key).sort()).toEqual(["pro", "team"]);
    // The quota window (Feb 1st) resets before either period ends (Feb 10th).
    expect(body.next_change_at).toBe("2026-02-01T00:00:00.000Z");

    const check = await acme.api("POST", `/v1/customers/${c}/entitlements/check`, {
      entitlement: "api-calls",
      quantity: 175,
      consume: true,
    });
    expect(check.body).toMatchObject({ allowed: true, remaining: 0 });
  });

  it("puts granting subscriptions in the token and ends it at the subscription's next change", async () => {
    const c = await newCustomer();
    const sub = await subscribe(c, teamPrice);
    expect(sub.current_period_end).toBe("2026-02-10T00:00:00.000Z");
    ctx.clock.set("2026-02-09T23:50:00.000Z"); // the quota window reset at Feb 1st; the period ends in 10 min
    const res = await acme.api("POST", `/v1/customers/${c}/entitlements/token`);
    expect(res.status).toBe(200);
    const claims = payload(res.body.token);
    expect(EntitlementClaims.safeParse(claims).success).toBe(true);
    expect(claims.subs).toEqual([
      {
        id: sub.id,
        bundle: "team",
        status: "active",
        current_period_end: Date.parse("2026-02-10T00:00:00.000Z") / 1000,
      },
    ]);
    expect(claims.exp).toBeLessThanOrEqual(Date.parse("2026-02-10T00:00:00.000Z") / 1000);
    expect(res.body.expires_in).toBe(600);
  });

  it("keeps granting until the period ends after a cancel at period end, and stops at once on a cancel now", async () => {
    const c = await newCustomer();
    const later = await subscribe(c, proPrice);
    const cancel = await acme.api("POST", `/v1/subscriptions/${later.id}/cancel`, { at_period_end: true });
    expect(cancel.status).toBe(200);
    expect(byKey(await effective(c))["export-pdf"]).toBeDefined();
    ctx.clock.set(later.current_period_end);
    expect(byKey(await effective(c))["export-pdf"]).toBeUndefined();

    ctx.clock.set("2026-01-10T00:00:00.000Z");
    const d = await newCustomer();
    const now = await subscribe(d, proPrice);
    expect(byKey(await effective(d))["export-pdf"]).toBeDefined();
    await acme.api("POST", `/v1/subscriptions/${now.id}/cancel`, { at_period_end: false });
    const after = await effective(d);
    expect(after.entitlements).toEqual([]);
    expect(after.subscriptions).toEqual([]);
  });
});
