import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../test/harness.js";

describe("rate limits per credential and per address", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let globex: TestTenant;

  beforeAll(async () => {
    ctx = await createTestApp(
      {},
      {
        rateLimits: {
          enabled: true,
          read: 3,
          write: 2,
          public: 2,
          auth: 3,
          windowSeconds: 60,
          plans: { pro: { read: 5 } },
        },
      },
    );
    acme = await createTestTenant(ctx, "acme");
    globex = await createTestTenant(ctx, "globex");
  });
  afterAll(() => ctx.close());

  it("answers 429 problem+json with Retry-After and the IETF RateLimit headers once a key's budget is spent", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await acme.api("GET", "/v1/entitlements")).status);
    const last = await acme.api("GET", "/v1/entitlements");
    statuses.push(last.status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last.headers.get("content-type")).toContain("application/problem+json");
    expect(last.body.code).toBe("RATE_LIMITED");
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(last.headers.get("ratelimit-policy")).toBe('"read";q=3;w=60');
    expect(last.headers.get("ratelimit")).toMatch(/^"read";r=0;t=\d+$/);
  });

  it("counts reads and writes apart, and each key on its own", async () => {
    const writes = [];
    for (let i = 0; i < 3; i++)
      writes.push((await acme.api("POST", "/v1/entitlements", { key: `w${i}`, name: "w", kind: "flag" })).status);
    expect(writes).toEqual([201, 201, 429]);
    // Another tenant's key still has its whole budget, and says so.
    const other = await globex.api("GET", "/v1/entitlements");
    expect(other.status).toBe(200);
    expect(other.headers.get("ratelimit")).toMatch(/^"read";r=2;t=\d+$/);
  });

  it("gives a tenant on a plan its plan's budget, per route class", async () => {
    const pro = await createTestTenant(ctx, "pro");
    const platform = (await ctx.services.auth.createPlatformKey("plans")).secret;
    const set = await ctx.app.request(`/v1/tenants/${pro.slug}/plan`, {
      method: "PUT",
      headers: { authorization: `Bearer ${platform}`, "content-type": "application/json" },
      body: JSON.stringify({ plan: "pro" }),
    });
    expect(set.status).toBe(200);
    const reads = [];
    for (let i = 0; i < 6; i++) reads.push(await pro.api("GET", "/v1/entitlements"));
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(reads[0]!.headers.get("ratelimit-policy")).toBe('"read";q=5;w=60');
    // The plan sets reads only: writes keep the default budget.
    const writes = [];
    for (let i = 0; i < 3; i++)
      writes.push((await pro.api("POST", "/v1/entitlements", { key: `p${i}`, name: "p", kind: "flag" })).status);
    expect(writes).toEqual([201, 201, 429]);
    // The change is on the tenant's audit trail.
    await ctx.services.worker.drain();
    const trail = await pro.as("production")("GET", "/v1/audit?action=tenant.plan_changed");
    expect(trail.body.data?.[0]).toMatchObject({ after: { plan: "pro" }, environment: null });
  });

  it("limits sign-in routes per address with a budget of their own", async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const res = await ctx.app.request("/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "nobody@example.com", password: "x" }),
      });
      statuses.push(res.status);
      if (i === 3) expect(res.headers.get("ratelimit-policy")).toBe('"auth";q=3;w=60');
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it("limits unauthenticated routes per client address", async () => {
    const path = `/v1/jwks/${acme.slug}/development`;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await ctx.app.request(path)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

// An app of its own, opened after the first is closed (two open test apps on Postgres confuse
// Kysely's migrator, which looks for its lock table in every schema).
describe("a rate-limit window", () => {
  it("refills once it has passed", async () => {
    const short = await createTestApp(
      {},
      { rateLimits: { enabled: true, read: 1, write: 1, public: 1, windowSeconds: 1 } },
    );
    try {
      const t = await createTestTenant(short);
      expect((await t.api("GET", "/v1/entitlements")).status).toBe(200);
      expect((await t.api("GET", "/v1/entitlements")).status).toBe(429);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await t.api("GET", "/v1/entitlements")).status).toBe(200);
    } finally {
      await short.close();
    }
  });
});
