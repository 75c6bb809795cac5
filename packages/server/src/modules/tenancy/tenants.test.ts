import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  client,
  createTestApp,
  createTestTenant,
  type TestContext,
  type TestTenant,
} from "../../../test/harness.js";

describe("tenants API (platform key)", () => {
  let ctx: TestContext;
  let platform: ApiClient;
  let platformKey: { id: string; secret: string };
  const globexKeys: Record<string, string> = {};

  beforeAll(async () => {
    ctx = await createTestApp();
    platformKey = await ctx.services.auth.createPlatformKey("tests");
    platform = client(ctx, platformKey.secret, undefined);
  });
  afterAll(() => ctx.close());

  it("refuses requests without a platform key, with a tenant key, or with a revoked platform key", async () => {
    const anonymous = client(ctx, undefined, undefined);
    const none = await anonymous("GET", "/v1/tenants");
    expect(none.status).toBe(401);
    expect(none.headers.get("content-type")).toContain("application/problem+json");
    expect(none.body.code).toBe("UNAUTHENTICATED");
    expect((await anonymous("POST", "/v1/tenants", { slug: "x", name: "X" })).status).toBe(401);

    const other = await createTestTenant(ctx, "keyholder");
    const withTenantKey = client(ctx, other.keys.development, other.slug);
    expect((await withTenantKey("GET", "/v1/tenants")).status).toBe(401);
    expect((await withTenantKey("GET", `/v1/tenants/${other.id}`)).status).toBe(401);
    expect((await client(ctx, "tpk_not-a-real-key", undefined)("GET", "/v1/tenants")).status).toBe(401);

    const spare = await ctx.services.auth.createPlatformKey("spare");
    const spareClient = client(ctx, spare.secret, undefined);
    expect((await spareClient("GET", "/v1/tenants")).status).toBe(200);
    expect(await ctx.services.auth.revokePlatformKey(spare.id)).toBe(true);
    expect((await spareClient("GET", "/v1/tenants")).status).toBe(401);
    expect(await ctx.services.auth.revokePlatformKey(spare.id)).toBe(false);
  });

  it("creates a tenant with its environments and one working key per environment", async () => {
    const res = await platform("POST", "/v1/tenants", { slug: "globex", name: "Globex" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ object: "tenant", slug: "globex", name: "Globex" });
    expect(res.body.id).toMatch(/^ten_/);
    expect(res.body.environments.map((e: { name: string }) => e.name).sort()).toEqual([
      "development",
      "production",
      "staging",
    ]);
    expect(res.body.api_keys).toHaveLength(3);
    for (const key of res.body.api_keys) {
      globexKeys[key.environment] = key.secret;
      expect(key.secret).toMatch(new RegExp(`^tsk_${key.environment}_`));
      expect(key.scopes).toEqual(["*"]);
      expect(key.secret.startsWith(key.prefix)).toBe(true);
      // The key works in its own environment, named by slug or by id.
      const bySlug = client(ctx, key.secret, "globex");
      const list = await bySlug("GET", "/v1/api-keys");
      expect(list.status).toBe(200);
      expect(list.body.data.map((k: { id: string }) => k.id)).toEqual([key.id]);
      expect((await client(ctx, key.secret, res.body.id)("GET", "/v1/entitlements")).status).toBe(200);
    }
  });

  it("honours chosen environments", async () => {
    const res = await platform("POST", "/v1/tenants", { slug: "initech", name: "Initech", environments: ["sandbox"] });
    expect(res.status).toBe(201);
    expect(res.body.environments.map((e: { name: string }) => e.name)).toEqual(["sandbox"]);
    expect(res.body.api_keys[0].secret).toMatch(/^tsk_sandbox_/);
  });

  it("refuses a duplicate slug with 409 and writes nothing", async () => {
    const before = await platform("GET", "/v1/tenants?limit=100");
    const dup = await platform("POST", "/v1/tenants", { slug: "globex", name: "Globex again" });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("ALREADY_EXISTS");
    const after = await platform("GET", "/v1/tenants?limit=100");
    expect(after.body.data).toHaveLength(before.body.data.length);
  });

  it("rejects bad input with field errors", async () => {
    const res = await platform("POST", "/v1/tenants", { slug: "Not A Slug", name: "", environments: [] });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_FAILED");
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["environments", "name", "slug"]);
    expect((await platform("POST", "/v1/tenants", "{oops")).body.code).toBe("INVALID_JSON");
    expect((await platform("POST", "/v1/tenants", { name: "No slug" })).status).toBe(400);
    expect((await platform("GET", "/v1/tenants?limit=101")).status).toBe(400);
  });

  it("gets a tenant by id or slug, and 404s an unknown one", async () => {
    const bySlug = await platform("GET", "/v1/tenants/globex");
    expect(bySlug.status).toBe(200);
    expect(bySlug.body).not.toHaveProperty("api_keys");
    const byId = await platform("GET", `/v1/tenants/${bySlug.body.id}`);
    expect(byId.body).toEqual(bySlug.body);
    const missing = await platform("GET", "/v1/tenants/nobody");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("NOT_FOUND");
  });

  it("lists tenants newest first with a cursor", async () => {
    const first = await platform("GET", "/v1/tenants?limit=2");
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ object: "list", has_more: true });
    expect(first.body.data).toHaveLength(2);
    const rest = await platform("GET", `/v1/tenants?limit=100&starting_after=${first.body.next_cursor}`);
    const ids = [...first.body.data, ...rest.body.data].map((t: { id: string }) => t.id);
    expect(rest.body.has_more).toBe(false);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(first.body.data.map((t: { slug: string }) => t.slug)).toEqual(["initech", "globex"]);
  });

  it("adds an environment with a key of its own; a duplicate name is 409", async () => {
    const res = await platform("POST", "/v1/tenants/globex/environments", { name: "qa" });
    expect(res.status).toBe(201);
    expect(res.body.environments.map((e: { name: string }) => e.name)).toContain("qa");
    expect(res.body.api_keys).toHaveLength(1);
    const qaKey = res.body.api_keys[0];
    expect(qaKey).toMatchObject({ environment: "qa", scopes: ["*"] });
    const qa = client(ctx, qaKey.secret, "globex");
    expect((await qa("POST", "/v1/entitlements", { key: "qa-only", name: "QA", kind: "flag" })).status).toBe(201);
    expect((await qa("GET", "/v1/entitlements/qa-only")).status).toBe(200);
    // The new environment's data is its own.
    const dev = client(ctx, globexKeys.development!, "globex");
    expect((await dev("GET", "/v1/entitlements/qa-only")).status).toBe(404);

    const dup = await platform("POST", "/v1/tenants/globex/environments", { name: "qa" });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("ALREADY_EXISTS");
    expect((await platform("POST", "/v1/tenants/nobody/environments", { name: "qa" })).status).toBe(404);
    expect((await platform("POST", "/v1/tenants/globex/environments", { name: "Bad Name" })).status).toBe(400);
  });
});

describe("tenants from the service (CLI path)", () => {
  let ctx: TestContext;
  let acme: TestTenant;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx, "acme");
  });
  afterAll(() => ctx.close());

  it("keeps environments of one tenant apart", async () => {
    const dev = acme.as("development");
    const prod = acme.as("production");
    expect((await dev("POST", "/v1/entitlements", { key: "beta", name: "Beta", kind: "flag" })).status).toBe(201);
    expect((await prod("GET", "/v1/entitlements/beta")).status).toBe(404);
    expect((await prod("GET", "/v1/api-keys")).body.data.map((k: { environment: string }) => k.environment)).toEqual([
      "production",
    ]);
  });
});
