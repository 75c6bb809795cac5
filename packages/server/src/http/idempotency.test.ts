import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../test/harness.js";
import { sha256Hex } from "../lib/crypto.js";
import { IDEMPOTENCY_LOCK_TTL_MS, IDEMPOTENCY_RETENTION_MS } from "./idempotency.js";
import { json, jsonBody, tenantRoute } from "./route.js";

/** A promise the test resolves by hand, to hold a request in flight. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe("Idempotency-Key", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let globex: TestTenant;
  const held = { gate: gate(), entered: gate(), calls: 0, failNext: false };

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx, "acme");
    globex = await createTestTenant(ctx, "globex");
    // A route that waits for the test, counts its calls and can fail with a 500 on demand: real
    // middleware, controllable timing.
    ctx.app.openapi(
      tenantRoute("catalog:write", {
        method: "post",
        path: "/v1/test/held",
        request: { body: jsonBody(z.object({ n: z.number() })) },
        responses: { 201: json(z.object({ calls: z.number() }), "ok") },
      }),
      async (c) => {
        held.calls += 1;
        held.entered.open();
        await held.gate.opened;
        if (held.failNext) {
          held.failNext = false;
          throw new Error("boom");
        }
        return c.json({ calls: held.calls }, 201);
      },
    );
  });
  afterAll(() => ctx.close());

  const entitlementCount = async (api = acme.api) =>
    (await api("GET", "/v1/entitlements?limit=100")).body.data.length as number;

  it("replays the stored response and creates nothing new", async () => {
    const body = { key: "export-pdf", name: "Export PDF", kind: "flag" };
    const first = await acme.api("POST", "/v1/entitlements", body, { "idempotency-key": "create-export-pdf" });
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const before = await entitlementCount();

    const replay = await acme.api("POST", "/v1/entitlements", body, { "idempotency-key": "create-export-pdf" });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.headers.get("content-type")).toContain("application/json");
    expect(replay.body).toEqual(first.body);
    expect(await entitlementCount()).toBe(before);
  });

  it("refuses the same key with a different body: 409 IDEMPOTENCY_KEY_REUSED", async () => {
    const res = await acme.api(
      "POST",
      "/v1/entitlements",
      { key: "other", name: "Other", kind: "flag" },
      { "idempotency-key": "create-export-pdf" },
    );
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect((await acme.api("GET", "/v1/entitlements/other")).status).toBe(404);
  });

  it("scopes keys to a tenant and an environment", async () => {
    const body = { key: "export-pdf", name: "Export PDF", kind: "flag" };
    const headers = { "idempotency-key": "create-export-pdf" };
    const prod = await acme.as("production")("POST", "/v1/entitlements", body, headers);
    expect(prod.status).toBe(201);
    expect(prod.headers.get("idempotent-replayed")).toBeNull();
    const other = await globex.api("POST", "/v1/entitlements", body, headers);
    expect(other.status).toBe(201);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(new Set([prod.body.id, other.body.id]).size).toBe(2);
  });

  it("keeps no failed response, so a corrected retry with the same key goes through", async () => {
    const headers = { "idempotency-key": "retry-me" };
    const bad = await acme.api("POST", "/v1/entitlements", { key: "Bad Key", name: "", kind: "flag" }, headers);
    expect(bad.status).toBe(400);
    const conflict = await acme.api(
      "POST",
      "/v1/entitlements",
      { key: "export-pdf", name: "X", kind: "flag" },
      headers,
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe("ALREADY_EXISTS");
    const good = await acme.api("POST", "/v1/entitlements", { key: "support", name: "Support", kind: "flag" }, headers);
    expect(good.status).toBe(201);
    expect(good.headers.get("idempotent-replayed")).toBeNull();
  });

  it("keeps no 5xx either", async () => {
    held.gate.open();
    held.failNext = true;
    const headers = { "idempotency-key": "flaky" };
    const failed = await acme.api("POST", "/v1/test/held", { n: 1 }, headers);
    expect(failed.status).toBe(500);
    expect(failed.body.code).toBe("INTERNAL");
    const retried = await acme.api("POST", "/v1/test/held", { n: 1 }, headers);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    const replay = await acme.api("POST", "/v1/test/held", { n: 1 }, headers);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(retried.body);
  });

  it("answers 409 IDEMPOTENCY_KEY_IN_USE to a duplicate while the first is in flight", async () => {
    held.gate = gate();
    held.entered = gate();
    const headers = { "idempotency-key": "slow" };
    const first = acme.api("POST", "/v1/test/held", { n: 2 }, headers);
    await held.entered.opened;
    const callsWhileHeld = held.calls;

    const duplicate = await acme.api("POST", "/v1/test/held", { n: 2 }, headers);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe("IDEMPOTENCY_KEY_IN_USE");
    // A different body under the held key is still a reuse.
    expect((await acme.api("POST", "/v1/test/held", { n: 3 }, headers)).body.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(held.calls).toBe(callsWhileHeld);

    held.gate.open();
    const done = await first;
    expect(done.status).toBe(201);
    const replay = await acme.api("POST", "/v1/test/held", { n: 2 }, headers);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(done.body);
    expect(held.calls).toBe(callsWhileHeld);
  });

  it("lets a retry take over a key abandoned in flight (its process died)", async () => {
    const key = await ctx.deps.db
      .selectFrom("api_keys")
      .select("id")
      .where("secret_hash", "=", sha256Hex(acme.keys.development!))
      .executeTakeFirstOrThrow();
    await ctx.deps.db
      .insertInto("idempotency_keys")
      .values({
        scope: `${acme.id}/${acme.scopes.development!.environmentId}/${key.id}`,
        key: "orphan",
        request_hash: "whatever",
        status_code: null,
        response_body: null,
        created_at: ctx.clock.now().toISOString(),
      })
      .execute();
    const headers = { "idempotency-key": "orphan" };
    expect((await acme.api("POST", "/v1/test/held", { n: 4 }, headers)).body.code).toBe("IDEMPOTENCY_KEY_REUSED");
    ctx.clock.advance(IDEMPOTENCY_LOCK_TTL_MS + 1);
    const taken = await acme.api("POST", "/v1/test/held", { n: 4 }, headers);
    expect(taken.status).toBe(201);
    expect((await acme.api("POST", "/v1/test/held", { n: 4 }, headers)).headers.get("idempotent-replayed")).toBe(
      "true",
    );
  });

  it("forgets a stored response after the retention period", async () => {
    const headers = { "idempotency-key": "old" };
    const first = await acme.api("POST", "/v1/test/held", { n: 5 }, headers);
    ctx.clock.advance(IDEMPOTENCY_RETENTION_MS - 1000);
    expect((await acme.api("POST", "/v1/test/held", { n: 6 }, headers)).body.code).toBe("IDEMPOTENCY_KEY_REUSED");
    ctx.clock.advance(2000);
    const fresh = await acme.api("POST", "/v1/test/held", { n: 6 }, headers);
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get("idempotent-replayed")).toBeNull();
    expect(fresh.body.calls).toBeGreaterThan(first.body.calls);
  });

  it("stores no readable secret: a replayed API key creation is sealed at rest", async () => {
    const headers = { "idempotency-key": "new-key" };
    const created = await acme.api("POST", "/v1/api-keys", { name: "ci" }, headers);
    const replay = await acme.api("POST", "/v1/api-keys", { name: "ci" }, headers);
    expect(replay.body.secret).toBe(created.body.secret);
    const rows = await ctx.deps.db.selectFrom("idempotency_keys").selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(created.body.secret);
    expect(JSON.stringify(rows)).not.toContain(created.body.secret.slice(created.body.prefix.length));
  });

  it("replays a stored response only to the credential that made it", async () => {
    const headers = { "idempotency-key": "mint-a-key" };
    const created = await acme.api("POST", "/v1/api-keys", { name: "ops" }, headers);
    expect(created.status).toBe(201);
    // A second key of the same tenant and environment, sending the same key and body.
    const sibling = client(ctx, (await acme.api("POST", "/v1/api-keys", { name: "sibling" })).body.secret, acme.slug);
    const other = await sibling("POST", "/v1/api-keys", { name: "ops" }, headers);
    expect(other.status).toBe(201);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(other.body.id).not.toBe(created.body.id);
    expect(other.body.secret).not.toBe(created.body.secret);
    // The original credential still gets its own stored response back.
    const replay = await acme.api("POST", "/v1/api-keys", { name: "ops" }, headers);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.secret).toBe(created.body.secret);
  });

  it("never replays across endpoints: the same key and body on another route is a 409", async () => {
    const headers = { "idempotency-key": "same-body-elsewhere" };
    const body = { name: "n" };
    expect((await acme.api("POST", "/v1/api-keys", body, headers)).status).toBe(201);
    const elsewhere = await acme.api("POST", "/v1/customers", body, headers);
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(elsewhere.headers.get("idempotent-replayed")).toBeNull();
  });

  it("works the same on platform routes, scoped to the platform key", async () => {
    const platform = client(ctx, (await ctx.services.auth.createPlatformKey()).secret, undefined);
    const headers = { "idempotency-key": "tenant-initech" };
    const first = await platform("POST", "/v1/tenants", { slug: "initech", name: "Initech" }, headers);
    expect(first.status).toBe(201);
    const replay = await platform("POST", "/v1/tenants", { slug: "initech", name: "Initech" }, headers);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.api_keys.map((k: { secret: string }) => k.secret)).toEqual(
      first.body.api_keys.map((k: { secret: string }) => k.secret),
    );
  });

  it("rejects a malformed key and leaves GET, PATCH and DELETE alone", async () => {
    for (const bad of ["x".repeat(256), "with space", "naïve"]) {
      const res = await acme.api(
        "POST",
        "/v1/entitlements",
        { key: "k", name: "K", kind: "flag" },
        {
          "idempotency-key": bad,
        },
      );
      expect(res.status).toBe(400);
      expect(res.body.errors[0].path).toBe("header.idempotency-key");
    }
    const headers = { "idempotency-key": "patch" };
    const a = await acme.api("PATCH", "/v1/entitlements/support", { name: "One" }, headers);
    const b = await acme.api("PATCH", "/v1/entitlements/support", { name: "Two" }, headers);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.body.name).toBe("Two");
  });

  it("without a key, every POST is a new request", async () => {
    const a = await acme.api("POST", "/v1/api-keys", { name: "twin" });
    const b = await acme.api("POST", "/v1/api-keys", { name: "twin" });
    expect(a.body.id).not.toBe(b.body.id);
  });
});
