import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  client,
  createTestApp,
  createTestTenant,
  type TestContext,
  type TestTenant,
} from "../../../test/harness.js";
import { sha256Hex } from "../../lib/crypto.js";

describe("API keys", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let globex: TestTenant;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx, "acme");
    globex = await createTestTenant(ctx, "globex");
  });
  afterAll(() => ctx.close());

  const keyRow = (id: string) => ctx.deps.db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();

  it("shows the secret once and stores only its hash", async () => {
    const res = await acme.api("POST", "/v1/api-keys", { name: "reader", scopes: ["catalog:read"] });
    expect(res.status).toBe(201);
    const { secret, prefix, id } = res.body;
    expect(res.body).toMatchObject({ object: "api_key", name: "reader", environment: "development" });
    expect(res.body.scopes).toEqual(["catalog:read"]);
    expect(secret).toMatch(/^tsk_development_[A-Za-z0-9_-]{32}$/);
    expect(prefix).toBe(secret.slice(0, "tsk_development_".length + 6));
    expect(res.body.last_used_at).toBeNull();

    const row = await keyRow(id);
    expect(row?.secret_hash).toBe(sha256Hex(secret));
    expect(JSON.stringify(row)).not.toContain(secret.slice(prefix.length));

    const listed = await acme.api("GET", "/v1/api-keys");
    const inList = listed.body.data.find((k: { id: string }) => k.id === id);
    expect(inList).toMatchObject({ id, prefix, name: "reader" });
    expect(inList).not.toHaveProperty("secret");
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const got = await acme.api("GET", `/v1/api-keys/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty("secret");
    expect(got.body.prefix).toBe(prefix);
  });

  it("enforces scopes: a key without the permission gets 403 FORBIDDEN", async () => {
    const reader = (await acme.api("POST", "/v1/api-keys", { scopes: ["catalog:read"] })).body;
    const asReader = client(ctx, reader.secret, acme.slug);
    expect((await asReader("GET", "/v1/entitlements")).status).toBe(200);
    const write = await asReader("POST", "/v1/entitlements", { key: "x", name: "X", kind: "flag" });
    expect(write.status).toBe(403);
    expect(write.body.code).toBe("FORBIDDEN");
    const keys = await asReader("GET", "/v1/api-keys");
    expect(keys.status).toBe(403);
    expect(keys.body.code).toBe("FORBIDDEN");
    expect((await asReader("POST", "/v1/api-keys", { scopes: ["catalog:read"] })).status).toBe(403);

    // write implies read of the same area.
    const writer = (await acme.api("POST", "/v1/api-keys", { scopes: ["catalog:write"] })).body;
    expect((await client(ctx, writer.secret, acme.slug)("GET", "/v1/entitlements")).status).toBe(200);
  });

  it("lets a key grant only permissions it holds", async () => {
    const manager = (await acme.api("POST", "/v1/api-keys", { scopes: ["keys:manage", "catalog:write"] })).body;
    const asManager = client(ctx, manager.secret, acme.slug);
    const escalate = await asManager("POST", "/v1/api-keys", { scopes: ["*"] });
    expect(escalate.status).toBe(403);
    expect(escalate.body.code).toBe("FORBIDDEN");
    expect(escalate.body.errors[0].path).toBe("scopes");
    expect((await asManager("POST", "/v1/api-keys", { scopes: ["customers:read"] })).status).toBe(403);
    const narrower = await asManager("POST", "/v1/api-keys", { scopes: ["catalog:read"] });
    expect(narrower.status).toBe(201);
  });

  it("rejects bad input", async () => {
    const unknownScope = await acme.api("POST", "/v1/api-keys", { scopes: ["root"] });
    expect(unknownScope.status).toBe(400);
    expect(unknownScope.body.code).toBe("VALIDATION_FAILED");
    expect(unknownScope.body.errors[0].path).toBe("scopes.0");
    expect((await acme.api("POST", "/v1/api-keys", { scopes: [] })).status).toBe(400);
    expect((await acme.api("POST", "/v1/api-keys", { name: "x".repeat(201) })).status).toBe(400);
    expect((await acme.api("GET", "/v1/api-keys?limit=nope")).status).toBe(400);
  });

  it("defaults to full access when no scopes are given", async () => {
    const res = await acme.api("POST", "/v1/api-keys", {});
    expect(res.status).toBe(201);
    expect(res.body.scopes).toEqual(["*"]);
    expect(res.body.name).toBeNull();
  });

  it("records last use, at most once a minute", async () => {
    const key = (await acme.api("POST", "/v1/api-keys", { name: "touch" })).body;
    const use = client(ctx, key.secret, acme.slug);
    const t0 = ctx.clock.now().toISOString();
    await use("GET", "/v1/entitlements");
    expect((await keyRow(key.id))?.last_used_at).toBe(t0);

    ctx.clock.advance(30_000);
    await use("GET", "/v1/entitlements");
    expect((await keyRow(key.id))?.last_used_at).toBe(t0);

    ctx.clock.advance(31_000);
    const t2 = ctx.clock.now().toISOString();
    await use("GET", "/v1/entitlements");
    expect((await keyRow(key.id))?.last_used_at).toBe(t2);
    expect((await acme.api("GET", `/v1/api-keys/${key.id}`)).body.last_used_at).toBe(t2);
  });

  it("revokes at once: the very next request is 401", async () => {
    const key = (await acme.api("POST", "/v1/api-keys", { name: "doomed" })).body;
    const doomed = client(ctx, key.secret, acme.slug);
    expect((await doomed("GET", "/v1/entitlements")).status).toBe(200);

    const revoked = await acme.api("DELETE", `/v1/api-keys/${key.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toBe(ctx.clock.now().toISOString());
    expect(revoked.body).not.toHaveProperty("secret");

    const after = await doomed("GET", "/v1/entitlements");
    expect(after.status).toBe(401);
    expect(after.body.code).toBe("UNAUTHENTICATED");

    // Revoking again changes nothing; the key stays listed as revoked.
    ctx.clock.advance(5_000);
    const again = await acme.api("DELETE", `/v1/api-keys/${key.id}`);
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
    const listed = (await acme.api("GET", "/v1/api-keys?limit=100")).body.data;
    expect(listed.find((k: { id: string }) => k.id === key.id).revoked_at).toBe(revoked.body.revoked_at);
  });

  it("answers 404 for a key of another environment or tenant", async () => {
    const prodKey = (await acme.as("production")("POST", "/v1/api-keys", {})).body;
    expect((await acme.api("GET", `/v1/api-keys/${prodKey.id}`)).status).toBe(404);
    expect((await acme.api("DELETE", `/v1/api-keys/${prodKey.id}`)).status).toBe(404);
    const globexKey = (await globex.api("POST", "/v1/api-keys", {})).body;
    const del = await acme.api("DELETE", `/v1/api-keys/${globexKey.id}`);
    expect(del.status).toBe(404);
    expect(del.body.code).toBe("NOT_FOUND");
    expect((await keyRow(globexKey.id))?.revoked_at).toBeNull();
    expect((await acme.api("DELETE", "/v1/api-keys/key_nope")).status).toBe(404);
  });
});

describe("tenant resolution and authentication", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let globex: TestTenant;
  let key: string;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx, "acme");
    globex = await createTestTenant(ctx, "globex");
    key = acme.keys.development!;
  });
  afterAll(() => ctx.close());

  const as = (secret: string | undefined, tn: string | undefined): ApiClient => client(ctx, secret, tn);

  it("needs x-tn: 400 TENANT_HEADER_REQUIRED", async () => {
    const res = await as(key, undefined)("GET", "/v1/entitlements");
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("TENANT_HEADER_REQUIRED");
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });

  it("refuses an x-tn of another (or no) tenant: 403 TENANT_MISMATCH", async () => {
    for (const tn of [globex.slug, globex.id, "no-such-tenant"]) {
      const res = await as(key, tn)("GET", "/v1/entitlements");
      expect(res.status).toBe(403);
      expect(res.body.code).toBe("TENANT_MISMATCH");
    }
  });

  it("accepts the tenant's slug or id in x-tn", async () => {
    expect((await as(key, acme.slug)("GET", "/v1/entitlements")).status).toBe(200);
    expect((await as(key, acme.id)("GET", "/v1/entitlements")).status).toBe(200);
  });

  it("401s a missing, malformed, unknown or platform credential", async () => {
    const platform = await ctx.services.auth.createPlatformKey();
    const cases: Array<Record<string, string>> = [
      {},
      { authorization: key },
      { authorization: `Basic ${key}` },
      { authorization: "Bearer" },
      { authorization: `Bearer ${key}x` },
      { authorization: "Bearer tsk_development_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
      { authorization: `Bearer ${platform.secret}` },
    ];
    for (const headers of cases) {
      const res = await ctx.app.request("/v1/entitlements", { headers: { "x-tn": acme.slug, ...headers } });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      const body = (await res.json()) as { code: string; detail: string };
      expect(body.code).toBe("UNAUTHENTICATED");
      expect(JSON.stringify(body)).not.toContain(key);
    }
    // The scheme is case-insensitive.
    const lower = await ctx.app.request("/v1/entitlements", {
      headers: { "x-tn": acme.slug, authorization: `bearer ${key}` },
    });
    expect(lower.status).toBe(200);
  });
});
