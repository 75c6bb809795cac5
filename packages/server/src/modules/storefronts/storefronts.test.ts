import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "../../../test/harness.js";
import {
  type ApiResult,
  createTestApp,
  createTestTenant,
  type TestContext,
  type TestTenant,
} from "../../../test/harness.js";

const paths = (res: ApiResult) => (res.body.errors ?? []).map((e: { path: string }) => e.path);

describe("storefronts API", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let pro: string;
  let basic: string;
  let web: Json;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    pro = (await acme.api("POST", "/v1/bundles", { key: "pro", name: "Pro" })).body.id;
    basic = (await acme.api("POST", "/v1/bundles", { key: "basic", name: "Basic" })).body.id;
    await acme.api("POST", "/v1/bundles", { key: "old", name: "Old" });
    await acme.api("PATCH", "/v1/bundles/old", { status: "archived" });
  });
  afterAll(() => ctx.close());

  it("creates a storefront selling bundles named by key or id, and reads it by id and key", async () => {
    const res = await acme.api("POST", "/v1/storefronts", {
      key: "web",
      name: "Web shop",
      type: "web",
      bundles: ["pro", basic, pro],
      channels: ["direct", "paypal"],
      payment_providers: [{ name: "sandbox", config: { mode: "test", retries: 2 } }, { name: "stripe" }],
      fiscal_provider: { name: "sandbox-fiscal", config: { country: "DE" } },
      metadata: { region: "eu" },
    });
    expect(res.status).toBe(201);
    web = res.body;
    expect(web).toEqual({
      id: expect.stringMatching(/^sf_/),
      object: "storefront",
      key: "web",
      name: "Web shop",
      type: "web",
      bundles: [pro, basic],
      channels: ["direct", "paypal"],
      payment_providers: [
        { name: "sandbox", config: { mode: "test", retries: 2 }, has_credentials: false },
        { name: "stripe", config: {}, has_credentials: false },
      ],
      fiscal_provider: { name: "sandbox-fiscal", config: { country: "DE" }, has_credentials: false },
      dunning: { retry_days: [1, 3, 5, 7] },
      metadata: { region: "eu" },
      status: "active",
      created_at: "2026-01-01T00:00:00.000Z",
      updated_at: "2026-01-01T00:00:00.000Z",
    });
    expect((await acme.api("GET", `/v1/storefronts/${web.id}`)).body).toEqual(web);
    expect((await acme.api("GET", "/v1/storefronts/web")).body).toEqual(web);

    const minimal = await acme.api("POST", "/v1/storefronts", { key: "app", name: "App", type: "app" });
    expect(minimal.body).toMatchObject({
      bundles: [],
      channels: ["direct"],
      payment_providers: [],
      fiscal_provider: null,
    });
  });

  it("rejects bad input with a path per field", async () => {
    const res = await acme.api("POST", "/v1/storefronts", {
      key: "bad",
      name: "Bad",
      type: "kiosk",
      channels: ["fax"],
      payment_providers: [{ name: "Stripe!" }],
      dunning: { retry_days: [3, 1] },
    });
    expect(res.status).toBe(400);
    expect(paths(res)).toEqual(
      expect.arrayContaining(["type", "channels.0", "payment_providers.0.name", "dunning.retry_days"]),
    );
    const refs = await acme.api("POST", "/v1/storefronts", {
      key: "bad",
      name: "Bad",
      type: "web",
      bundles: ["pro", "nope", "old"],
      payment_providers: [{ name: "sandbox" }, { name: "sandbox" }],
    });
    expect(refs.status).toBe(400);
    expect(paths(refs).sort()).toEqual(["bundles.1", "bundles.2", "payment_providers.1.name"]);
    expect((await acme.api("GET", "/v1/storefronts/bad")).status).toBe(404);
    const dup = await acme.api("POST", "/v1/storefronts", { key: "web", name: "Again", type: "web" });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("ALREADY_EXISTS");
  });

  it("updates fields and replaces lists; an archived bundle may stay but not be added", async () => {
    ctx.clock.advance(60_000);
    const upd = await acme.api("PATCH", "/v1/storefronts/web", {
      name: "Web",
      type: "partner",
      bundles: ["basic"],
      channels: ["direct", "app_store", "play_store", "telecom"],
      dunning: { retry_days: [2, 4] },
      metadata: {},
    });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({
      name: "Web",
      type: "partner",
      bundles: [basic],
      channels: ["direct", "app_store", "play_store", "telecom"],
      dunning: { retry_days: [2, 4] },
      metadata: {},
      payment_providers: web.payment_providers,
      updated_at: "2026-01-01T00:01:00.000Z",
    });
    expect((await acme.api("PATCH", "/v1/storefronts/web", { bundles: ["old"] })).status).toBe(400);
    await acme.api("PATCH", "/v1/storefronts/web", { bundles: ["basic", "pro"] });
    await acme.api("PATCH", "/v1/bundles/pro", { status: "archived" });
    const keep = await acme.api("PATCH", "/v1/storefronts/web", { bundles: ["pro"] });
    expect(keep.body.bundles).toEqual([pro]);
    await acme.api("PATCH", "/v1/bundles/pro", { status: "active" });
    expect((await acme.api("PATCH", "/v1/storefronts/web", { key: "shop" })).status).toBe(400);
    expect((await acme.api("PATCH", "/v1/storefronts/nope", { name: "X" })).status).toBe(404);
  });

  it("lists newest first with a cursor and filters by status", async () => {
    await acme.api("POST", "/v1/storefronts", { key: "partner", name: "Partner", type: "partner" });
    await acme.api("PATCH", "/v1/storefronts/app", { status: "archived" });
    const first = await acme.api("GET", "/v1/storefronts?limit=2");
    expect(first.body.data.map((s: Json) => s.key)).toEqual(["partner", "app"]);
    expect(first.body.has_more).toBe(true);
    const rest = await acme.api("GET", `/v1/storefronts?limit=2&starting_after=${first.body.next_cursor}`);
    expect(rest.body).toMatchObject({ has_more: false, next_cursor: null });
    expect(rest.body.data.map((s: Json) => [s.key, s.bundles])).toEqual([["web", [pro]]]);
    const archived = await acme.api("GET", "/v1/storefronts?status=archived");
    expect(archived.body.data.map((s: Json) => s.key)).toEqual(["app"]);
  });

  it("deletes a storefront without customers and archives one with customers", async () => {
    const del = await acme.api("DELETE", "/v1/storefronts/partner");
    expect(del.body).toMatchObject({ object: "storefront", deleted: true, archived: false });
    expect((await acme.api("GET", "/v1/storefronts/partner")).status).toBe(404);

    const customer = await acme.api("POST", "/v1/customers", { storefront: "web", external_id: "u1" });
    expect(customer.status).toBe(201);
    const archive = await acme.api("DELETE", `/v1/storefronts/${web.id}`);
    expect(archive.body).toEqual({ id: web.id, object: "storefront", deleted: false, archived: true });
    expect((await acme.api("GET", "/v1/storefronts/web")).body.status).toBe("archived");
    // Its bundles are still sold (by an archived storefront), so they are archived, not deleted.
    expect((await acme.api("DELETE", "/v1/bundles/pro")).body).toMatchObject({ deleted: false, archived: true });
    expect((await acme.api("DELETE", "/v1/storefronts/nope")).status).toBe(404);
  });

  it("gives later modules the storefront by id or key", async () => {
    const scope = acme.scopes.development!;
    expect(await ctx.services.storefronts.requireStorefront(scope, "web")).toMatchObject({ id: web.id, key: "web" });
    await expect(ctx.services.storefronts.requireStorefront(scope, "nope")).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("keeps environments apart", async () => {
    const prod = acme.as("production");
    expect((await prod("GET", "/v1/storefronts/web")).status).toBe(404);
    expect((await prod("GET", "/v1/storefronts")).body.data).toEqual([]);
    expect((await prod("DELETE", `/v1/storefronts/${web.id}`)).status).toBe(404);
    const res = await prod("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web", bundles: [basic] });
    expect(paths(res)).toEqual(["bundles.0"]);
    expect((await prod("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web" })).status).toBe(201);
  });
});
