import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { created, setupCatalog } from "./test-setup.js";

/** `customer.entitlements_updated`: once per change of the effective set, never when nothing changed. */
describe("entitlement pushes", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let customer: string;
  let bundle: string;
  let storefront: string;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    ({
      customer: { id: customer },
      bundle: { id: bundle },
    } = await setupCatalog(acme.api));
    storefront = (
      await created<{ id: string }>(acme.api, "/v1/storefronts", {
        key: "paid",
        name: "Paid",
        type: "web",
        bundles: [bundle],
        payment_providers: [{ name: "sandbox" }],
      })
    ).id;
  });
  afterAll(() => ctx.close());

  const drain = () => ctx.services.worker.drain();
  async function updates(of = customer) {
    const res = await acme.api("GET", `/v1/events?type=customer.entitlements_updated&object_id=${of}&limit=100`);
    expect(res.status).toBe(200);
    return (res.body.data as Json[]).reverse();
  }

  it("pushes a grant once, with the new set and what changed, caused by the grant's event", async () => {
    const grant = await acme.api(
      "POST",
      `/v1/customers/${customer}/grants`,
      { entitlement: "export-pdf", reason: "comp" },
      { "x-request-id": "req_push_1" },
    );
    expect(grant.status).toBe(201);
    expect(await updates()).toHaveLength(0); // pushed after commit, by jobs
    await drain();
    const [first, ...more] = await updates();
    expect(more).toHaveLength(0);
    const cause = (await acme.api("GET", `/v1/events?type=grant.created&object_id=${grant.body.id}`)).body.data[0];
    expect(first).toMatchObject({
      correlation_id: "req_push_1",
      causation_id: cause.id,
      actor: { type: "system", id: "consumer:entitlements-push" },
      data: {
        object: {
          id: customer,
          object: "customer_entitlements",
          customer,
          added: ["export-pdf"],
          removed: [],
          changed: [],
          entitlements: [{ key: "export-pdf", kind: "flag" }],
        },
      },
    });

    // A second grant of the same flag, usage of nothing, a drain again: nothing changed, nothing said.
    const again = await acme.api("POST", `/v1/customers/${customer}/grants`, {
      entitlement: "export-pdf",
      reason: "x",
    });
    await drain();
    expect(await updates()).toHaveLength(1);
    // Revoking one of the two changes nothing; revoking the last removes it.
    await acme.api("DELETE", `/v1/customers/${customer}/grants/${again.body.id}`);
    await drain();
    expect(await updates()).toHaveLength(1);
    await acme.api("DELETE", `/v1/customers/${customer}/grants/${grant.body.id}`);
    await drain();
    const list = await updates();
    expect(list).toHaveLength(2);
    expect(list[1].data.object).toMatchObject({ added: [], removed: ["export-pdf"], entitlements: [] });
  });

  it("pushes a grant's expiry when the environment's clock passes it, with no event of its own", async () => {
    const expires = new Date(ctx.clock.now().getTime() + 2 * 86_400_000).toISOString();
    await acme.api("POST", `/v1/customers/${customer}/grants`, {
      entitlement: "support",
      level: "basic",
      reason: "trial support",
      expires_at: expires,
    });
    await drain();
    expect((await updates()).at(-1).data.object).toMatchObject({ added: ["support"] });
    const before = (await updates()).length;
    expect((await acme.api("POST", "/v1/test-clocks/advance", { by: "P3D" })).status).toBe(200);
    await drain();
    const list = await updates();
    expect(list).toHaveLength(before + 1);
    expect(list.at(-1).data.object).toMatchObject({ removed: ["support"], entitlements: [] });
  });

  it("pushes a subscription's entitlements, and a bundle edit to its subscribers, once each", async () => {
    const sub = (await created<{ id: string }>(acme.api, "/v1/customers", { storefront, external_id: "subber" })).id;
    const price = (await acme.api("GET", `/v1/bundles/${bundle}`)).body.prices[0].id;
    const made = await acme.api("POST", "/v1/subscriptions", { customer: sub, price, payment_method: "pm_sandbox_ok" });
    expect(made.status).toBe(201);
    await drain();
    const [first, ...rest] = await updates(sub);
    expect(rest).toHaveLength(0);
    expect(first.data.object.added).toEqual(["api-calls", "export-pdf", "support"]);

    // Usage within the quota is not a change of entitlements.
    await acme.api("POST", `/v1/customers/${sub}/usage`, { entitlement: "api-calls", quantity: 3 });
    await drain();
    expect(await updates(sub)).toHaveLength(1);

    const edited = await acme.api("PATCH", `/v1/bundles/${bundle}`, {
      entitlements: [{ key: "export-pdf" }, { key: "support", level: "dedicated" }, { key: "api-calls", limit: 100 }],
    });
    expect(edited.status).toBe(200);
    await drain();
    const list = await updates(sub);
    expect(list).toHaveLength(2);
    expect(list[1].data.object).toMatchObject({ added: [], removed: [], changed: ["support"] });
    // The customer without a subscription to it heard nothing of the edit.
    expect((await updates()).every((e) => e.causation_id !== list[1].causation_id)).toBe(true);
  });
});
