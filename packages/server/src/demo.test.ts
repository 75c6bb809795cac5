import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "../test/harness.js";
import { client, createTestApp, type TestContext } from "../test/harness.js";
import { loadConfig } from "./config.js";
import { ensureDemoTenant } from "./demo.js";

describe("demo tenant", () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  it("seeds a catalog, a storefront and a customer the quickstart can use at once", async () => {
    // An in-memory URL: the demo keys file is only written next to a SQLite file, so nothing lands on disk.
    const config = loadConfig({ DATABASE_URL: "sqlite::memory:", NODE_ENV: "test" });
    const runtime = { config, deps: ctx.deps, database: ctx.database, logger: ctx.deps.logger };
    const demo = await ensureDemoTenant(ctx.services, runtime);
    expect(demo?.created).toBe(true);
    const api = client(ctx, demo?.keys.development, "demo");

    const pro = await api("GET", "/v1/bundles/pro");
    expect(pro.status).toBe(200);
    expect(pro.body.entitlements.map((e: Json) => [e.key, e.limit ?? e.level])).toEqual([
      ["export-pdf", null],
      ["support", "priority"],
      ["api-calls", 10_000],
    ]);
    expect(pro.body.prices.map((p: Json) => [p.currency, p.amount, p.interval, p.trial_days])).toEqual([
      ["EUR", 999, "month", 14],
      ["EUR", 9990, "year", 0],
    ]);
    const web = await api("GET", "/v1/storefronts/web");
    expect(web.body).toMatchObject({ type: "web", channels: ["direct"], bundles: [pro.body.id] });
    expect(web.body.payment_providers.map((p: Json) => p.name)).toEqual(["sandbox"]);
    const customer = await api("GET", `/v1/storefronts/web/customers/by-external-id/demo-user`);
    expect(customer.body).toMatchObject({ object: "customer", storefront: web.body.id });

    // The second start finds the tenant and seeds nothing again.
    expect((await ensureDemoTenant(ctx.services, runtime))?.created).toBe(false);
  });
});
