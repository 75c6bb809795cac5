import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { setupCatalog } from "./test-setup.js";

describe("manual grants and effective entitlements", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let customerId: string;
  let storefrontId: string;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    const setup = await setupCatalog(acme.api);
    customerId = setup.customer.id;
    storefrontId = setup.storefront.id;
  });
  afterAll(() => ctx.close());

  const grant = (body: unknown) => acme.api("POST", `/v1/customers/${customerId}/grants`, body);
  const effective = async () => {
    const res = await acme.api("GET", `/v1/customers/${customerId}/entitlements`);
    expect(res.status).toBe(200);
    return res.body;
  };

  it("starts with nothing", async () => {
    const body = await effective();
    expect(body).toMatchObject({
      object: "customer_entitlements",
      customer: customerId,
      storefront: storefrontId,
      entitlements: [],
      subscriptions: [],
      next_change_at: null,
    });
  });

  it("grants each kind, merges grants of one entitlement, and shows their sources", async () => {
    const flag = await grant({ entitlement: "export-pdf", reason: "comp for outage" });
    expect(flag.status).toBe(201);
    expect(flag.body).toMatchObject({
      object: "grant",
      customer: customerId,
      entitlement: "export-pdf",
      kind: "flag",
      status: "active",
      expires_at: null,
    });
    expect(flag.body.id).toMatch(/^grt_/);
    const basic = await grant({ entitlement: "support", level: "basic", reason: "trial support" });
    const dedicated = await grant({ entitlement: "support", level: "dedicated", reason: "vip" });
    const q1 = await grant({ entitlement: "api-calls", limit: 100, reason: "a" });
    const q2 = await grant({ entitlement: "api-calls", limit: 50, reason: "b" });
    const c1 = await grant({ entitlement: "courses", content: ["c1", "c2"], reason: "a" });
    const c2 = await grant({ entitlement: "courses", content: ["c2", "c3"], reason: "b" });
    for (const r of [basic, dedicated, q1, q2, c1, c2]) expect(r.status).toBe(201);

    const byKey = Object.fromEntries((await effective()).entitlements.map((e: { key: string }) => [e.key, e]));
    expect(byKey["export-pdf"]).toMatchObject({ kind: "flag", sources: [flag.body.id] });
    expect(byKey.support).toMatchObject({
      kind: "tier",
      level: "dedicated",
      rank: 2,
      levels: ["basic", "priority", "dedicated"],
      sources: [basic.body.id, dedicated.body.id].sort(),
    });
    expect(byKey["api-calls"]).toMatchObject({
      kind: "quota",
      limit: 150,
      used: 0,
      remaining: 150,
      period: "month",
      resets_at: "2026-02-01T00:00:00.000Z",
    });
    expect(byKey.courses).toMatchObject({ kind: "content", content: ["c1", "c2", "c3"] });
    expect((await effective()).next_change_at).toBe("2026-02-01T00:00:00.000Z");

    const list = await acme.api("GET", `/v1/customers/${customerId}/grants`);
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(7);
    expect(list.body.data[0].id).toBe(c2.body.id); // newest first
  });

  it("revokes at once, idempotently, and keeps the revoked grant readable", async () => {
    const g = await grant({ entitlement: "export-pdf", reason: "second source" });
    const before = (await effective()).entitlements.find((e: { key: string }) => e.key === "export-pdf");
    expect(before.sources).toContain(g.body.id);

    const revoked = await acme.api("DELETE", `/v1/customers/${customerId}/grants/${g.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: g.body.id, status: "revoked", revoked_at: "2026-01-01T00:00:00.000Z" });
    const after = (await effective()).entitlements.find((e: { key: string }) => e.key === "export-pdf");
    expect(after.sources).not.toContain(g.body.id);

    const again = await acme.api("DELETE", `/v1/customers/${customerId}/grants/${g.body.id}`);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("revoked");
    const read = await acme.api("GET", `/v1/customers/${customerId}/grants/${g.body.id}`);
    expect(read.body.status).toBe("revoked");

    const events = await acme.api("GET", `/v1/events?object_id=${g.body.id}`);
    expect(events.body.data.map((e: { type: string }) => e.type).sort()).toEqual(["grant.created", "grant.revoked"]);
  });

  it("stops granting at expires_at by the environment's clock", async () => {
    const { customer } = await setupCustomer(acme, "user-expiry");
    const g = await acme.api("POST", `/v1/customers/${customer.id}/grants`, {
      entitlement: "export-pdf",
      expires_at: "2026-01-01T01:00:00.000Z",
      reason: "one hour",
    });
    expect(g.status).toBe(201);
    const get = () => acme.api("GET", `/v1/customers/${customer.id}/entitlements`);
    expect((await get()).body.entitlements.map((e: { key: string }) => e.key)).toEqual(["export-pdf"]);
    expect((await get()).body.next_change_at).toBe("2026-01-01T01:00:00.000Z");

    ctx.clock.set("2026-01-01T00:59:59.999Z");
    expect((await get()).body.entitlements).toHaveLength(1);
    ctx.clock.set("2026-01-01T01:00:00.000Z");
    expect((await get()).body.entitlements).toEqual([]);
    const read = await acme.api("GET", `/v1/customers/${customer.id}/grants/${g.body.id}`);
    expect(read.body.status).toBe("expired");
    ctx.clock.set("2026-01-01T00:00:00.000Z");
  });

  it("refuses values that do not fit the entitlement's kind, unknown entitlements and past expiries", async () => {
    const cases: Array<[unknown, string]> = [
      [{ entitlement: "export-pdf", limit: 5, reason: "x" }, "limit"],
      [{ entitlement: "support", reason: "x" }, "level"],
      [{ entitlement: "support", level: "platinum", reason: "x" }, "level"],
      [{ entitlement: "api-calls", reason: "x" }, "limit"],
      [{ entitlement: "api-calls", limit: -1, reason: "x" }, "limit"],
      [{ entitlement: "courses", content: ["nope"], reason: "x" }, "content"],
      [{ entitlement: "no-such-thing", reason: "x" }, "entitlement"],
      [{ entitlement: "export-pdf", reason: "x", expires_at: "2025-12-31T23:59:59.000Z" }, "expires_at"],
      [{ entitlement: "export-pdf", reason: "x", expires_at: "tomorrow" }, "expires_at"],
      [{ entitlement: "export-pdf" }, "reason"],
      [{ entitlement: "export-pdf", reason: "x", surprise: 1 }, ""],
    ];
    for (const [body, path] of cases) {
      const res = await grant(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe("VALIDATION_FAILED");
      if (path) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });

  it("refuses a grant of an archived entitlement", async () => {
    await acme.api("POST", "/v1/entitlements", { key: "old-feature", name: "Old", kind: "flag" });
    await acme.api("PATCH", "/v1/entitlements/old-feature", { status: "archived" });
    const res = await grant({ entitlement: "old-feature", reason: "x" });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe("entitlement");
  });

  it("answers 404 for unknown customers and grants, and for another tenant's or environment's", async () => {
    expect((await acme.api("GET", "/v1/customers/cus_nope/entitlements")).status).toBe(404);
    expect((await acme.api("POST", "/v1/customers/cus_nope/grants", { entitlement: "x", reason: "y" })).status).toBe(
      404,
    );
    expect((await acme.api("GET", `/v1/customers/${customerId}/grants/grt_nope`)).status).toBe(404);
    const g = await grant({ entitlement: "export-pdf", reason: "mine" });
    const other = await setupCustomer(acme, "user-other");
    expect((await acme.api("DELETE", `/v1/customers/${other.customer.id}/grants/${g.body.id}`)).status).toBe(404);

    const globex = await createTestTenant(ctx, "globex");
    expect((await globex.api("GET", `/v1/customers/${customerId}/entitlements`)).status).toBe(404);
    expect((await globex.api("GET", `/v1/customers/${customerId}/grants/${g.body.id}`)).status).toBe(404);
    expect((await acme.as("production")("GET", `/v1/customers/${customerId}/grants`)).status).toBe(404);
  });

  it("needs entitlements:read to read and entitlements:write to grant", async () => {
    const key = await acme.api("POST", "/v1/api-keys", { name: "reader", scopes: ["entitlements:read"] });
    const { client } = await import("../../../test/harness.js");
    const reader = client(ctx, key.body.secret, acme.slug);
    expect((await reader("GET", `/v1/customers/${customerId}/entitlements`)).status).toBe(200);
    const refused = await reader("POST", `/v1/customers/${customerId}/grants`, {
      entitlement: "export-pdf",
      reason: "x",
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("FORBIDDEN");
  });
});

async function setupCustomer(tenant: TestTenant, externalId: string) {
  const sf = await tenant.api("GET", "/v1/storefronts");
  const customer = await tenant.api("POST", "/v1/customers", {
    storefront: sf.body.data[0].id,
    external_id: externalId,
  });
  if (customer.status !== 201) throw new Error(JSON.stringify(customer.body));
  return { customer: customer.body as { id: string } };
}
