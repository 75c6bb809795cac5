import type { CreateBundle } from "@tessera/core";
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

const PRO = {
  key: "pro",
  name: "Pro",
  description: "Everything",
  entitlements: [
    { key: "export-pdf" },
    { key: "seats", limit: 5 },
    { key: "support", level: "priority" },
    { key: "courses", content: ["c1"] },
  ],
  prices: [
    { currency: "EUR", amount: 999, interval: "month", trial_days: 14 },
    { currency: "EUR", amount: 9990, interval: "year", term_count: 2, nickname: "yearly" },
  ],
  metadata: { tier: "gold" },
};

describe("bundles API", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let pro: Json;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    for (const body of [
      { key: "export-pdf", name: "Export PDF", kind: "flag" },
      { key: "seats", name: "Seats", kind: "quota", period: "month" },
      { key: "support", name: "Support", kind: "tier", levels: ["basic", "priority"] },
      { key: "courses", name: "Courses", kind: "content", content_ids: ["c1", "c2"] },
      { key: "legacy", name: "Legacy", kind: "flag" },
    ]) {
      expect((await acme.api("POST", "/v1/entitlements", body)).status).toBe(201);
    }
  });
  afterAll(() => ctx.close());

  it("creates a bundle with its entitlements and prices, and reads it by id and key", async () => {
    const res = await acme.api("POST", "/v1/bundles", PRO);
    expect(res.status).toBe(201);
    pro = res.body;
    expect(pro).toMatchObject({
      object: "bundle",
      key: "pro",
      name: "Pro",
      status: "active",
      metadata: { tier: "gold" },
    });
    expect(pro.id).toMatch(/^bun_/);
    expect(pro.created_at).toBe("2026-01-01T00:00:00.000Z");
    expect(pro.entitlements).toEqual([
      {
        key: "export-pdf",
        entitlement_id: expect.stringMatching(/^ent_/),
        kind: "flag",
        limit: null,
        level: null,
        content: null,
      },
      { key: "seats", entitlement_id: expect.any(String), kind: "quota", limit: 5, level: null, content: null },
      {
        key: "support",
        entitlement_id: expect.any(String),
        kind: "tier",
        limit: null,
        level: "priority",
        content: null,
      },
      {
        key: "courses",
        entitlement_id: expect.any(String),
        kind: "content",
        limit: null,
        level: null,
        content: ["c1"],
      },
    ]);
    expect(pro.prices).toHaveLength(2);
    expect(pro.prices[0]).toMatchObject({
      object: "price",
      bundle: pro.id,
      currency: "EUR",
      amount: 999,
      interval: "month",
      interval_count: 1,
      trial_days: 14,
      term_count: null,
      status: "active",
    });
    expect(pro.prices[0].id).toMatch(/^price_/);
    expect(pro.prices[1]).toMatchObject({ amount: 9990, interval: "year", term_count: 2, nickname: "yearly" });

    expect((await acme.api("GET", `/v1/bundles/${pro.id}`)).body).toEqual(pro);
    expect((await acme.api("GET", "/v1/bundles/pro")).body).toEqual(pro);
  });

  it("checks every entitlement against its kind, with a path per field, and writes nothing", async () => {
    const res = await acme.api("POST", "/v1/bundles", {
      key: "broken",
      name: "Broken",
      entitlements: [
        { key: "export-pdf", limit: 3 },
        { key: "seats" },
        { key: "nope" },
        { key: "support", level: "gold" },
        { key: "courses", content: ["c9"] },
        { key: "seats", limit: 1 },
        { key: "courses" },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_FAILED");
    expect(paths(res).sort()).toEqual(
      [
        "entitlements.0.limit",
        "entitlements.1.limit",
        "entitlements.2.key",
        "entitlements.3.level",
        "entitlements.4.content",
        "entitlements.5.key",
        "entitlements.6.key",
        "entitlements.6.content",
      ].sort(),
    );
    expect(res.body.errors.find((e: Json) => e.path === "entitlements.3.level").message).toContain("basic, priority");
    expect((await acme.api("GET", "/v1/bundles/broken")).status).toBe(404);
  });

  it("rejects malformed bundles and prices before touching the catalog", async () => {
    const res = await acme.api("POST", "/v1/bundles", {
      key: "Not A Key",
      name: "",
      entitlements: [{ key: "seats", limit: -1 }],
      prices: [
        { currency: "eur", amount: 9.99, interval: "fortnight" },
        { currency: "XYZ", amount: 100, interval: "month", interval_count: 0 },
      ],
    });
    expect(res.status).toBe(400);
    expect(paths(res)).toEqual(
      expect.arrayContaining([
        "key",
        "name",
        "entitlements.0.limit",
        "prices.0.currency",
        "prices.0.amount",
        "prices.0.interval",
        "prices.1.currency",
        "prices.1.interval_count",
      ]),
    );
    const unknownField = await acme.api("POST", "/v1/bundles", { key: "x", name: "X", colour: "red" });
    expect(unknownField.status).toBe(400);
  });

  it("refuses a duplicate key with 409", async () => {
    const dup = await acme.api("POST", "/v1/bundles", { key: "pro", name: "Again" });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("ALREADY_EXISTS");
  });

  it("creates the bundle, its grants and its prices in one transaction", async () => {
    const scope = acme.scopes.development!;
    // A price the database refuses (currency is NOT NULL): zod would stop it at the API, so this goes
    // to the service directly to make the last insert of the transaction fail.
    const input = {
      key: "half",
      name: "Half",
      entitlements: [{ key: "export-pdf" }],
      prices: [{ currency: null, amount: 1, interval: "month", interval_count: 1, trial_days: 0 }],
    } as unknown as CreateBundle;
    await expect(ctx.services.catalog.createBundle(scope, input)).rejects.toThrow();
    const db = ctx.deps.db;
    expect(await db.selectFrom("bundles").select("id").where("key", "=", "half").execute()).toEqual([]);
    const grants = await db.selectFrom("bundle_entitlements").select("bundle_id").execute();
    expect(grants.every((g) => g.bundle_id === pro.id)).toBe(true);
  });

  it("updates name, status and the list of entitlements; the key is fixed", async () => {
    const upd = await acme.api("PATCH", "/v1/bundles/pro", {
      name: "Pro plan",
      description: null,
      entitlements: [{ key: "seats", limit: 10 }, { key: "export-pdf" }],
    });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ name: "Pro plan", description: null, key: "pro" });
    expect(upd.body.entitlements.map((e: Json) => [e.key, e.limit])).toEqual([
      ["seats", 10],
      ["export-pdf", null],
    ]);
    expect(upd.body.prices).toHaveLength(2);
    const bad = await acme.api("PATCH", "/v1/bundles/pro", { entitlements: [{ key: "support", level: "vip" }] });
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(["entitlements.0.level"]);
    expect((await acme.api("PATCH", "/v1/bundles/pro", { key: "other" })).status).toBe(400);
    expect((await acme.api("PATCH", "/v1/bundles/nope", { name: "X" })).status).toBe(404);
  });

  it("keeps an archived entitlement on a bundle that has it, but refuses to add it anew", async () => {
    const basic = await acme.api("POST", "/v1/bundles", {
      key: "basic",
      name: "Basic",
      entitlements: [{ key: "legacy" }],
    });
    expect(basic.status).toBe(201);
    // legacy is granted by basic, so DELETE archives it.
    expect((await acme.api("DELETE", "/v1/entitlements/legacy")).body).toMatchObject({ archived: true });
    const keep = await acme.api("PATCH", "/v1/bundles/basic", {
      entitlements: [{ key: "legacy" }, { key: "export-pdf" }],
    });
    expect(keep.status).toBe(200);
    const add = await acme.api("POST", "/v1/bundles", { key: "lite", name: "Lite", entitlements: [{ key: "legacy" }] });
    expect(add.status).toBe(400);
    expect(paths(add)).toEqual(["entitlements.0.key"]);
    const addOnUpdate = await acme.api("PATCH", "/v1/bundles/pro", { entitlements: [{ key: "legacy" }] });
    expect(paths(addOnUpdate)).toEqual(["entitlements.0.key"]);
  });

  it("lists newest first with a cursor and filters by status", async () => {
    for (const key of ["b1", "b2", "b3"]) await acme.api("POST", "/v1/bundles", { key, name: key });
    await acme.api("PATCH", "/v1/bundles/b1", { status: "archived" });
    const first = await acme.api("GET", "/v1/bundles?limit=2");
    expect(first.body).toMatchObject({ object: "list", has_more: true });
    expect(first.body.data.map((b: Json) => b.key)).toEqual(["b3", "b2"]);
    const rest = await acme.api("GET", `/v1/bundles?limit=10&starting_after=${first.body.next_cursor}`);
    expect(rest.body.data.map((b: Json) => b.key)).toEqual(["b1", "basic", "pro"]);
    expect(rest.body).toMatchObject({ has_more: false, next_cursor: null });
    expect(rest.body.data.at(-1).prices).toHaveLength(2);
    const archived = await acme.api("GET", "/v1/bundles?status=archived");
    expect(archived.body.data.map((b: Json) => b.key)).toEqual(["b1"]);
    expect((await acme.api("GET", "/v1/bundles?status=gone")).status).toBe(400);
  });

  it("deletes an unused bundle with its prices, and archives one a storefront sells", async () => {
    const temp = await acme.api("POST", "/v1/bundles", {
      key: "temp",
      name: "Temp",
      prices: [{ currency: "USD", amount: 100, interval: "week" }],
    });
    const del = await acme.api("DELETE", "/v1/bundles/temp");
    expect(del.body).toEqual({ id: temp.body.id, object: "bundle", deleted: true, archived: false });
    expect((await acme.api("GET", `/v1/bundles/${temp.body.id}`)).status).toBe(404);
    expect((await acme.api("GET", `/v1/prices/${temp.body.prices[0].id}`)).status).toBe(404);

    const scope = acme.scopes.development!;
    expect(await ctx.services.catalog.isBundleInUse(scope, "pro")).toBe(false);
    const sf = await acme.api("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web", bundles: ["pro"] });
    expect(sf.status).toBe(201);
    expect(await ctx.services.catalog.isBundleInUse(scope, "pro")).toBe(true);
    const archive = await acme.api("DELETE", "/v1/bundles/pro");
    expect(archive.body).toEqual({ id: pro.id, object: "bundle", deleted: false, archived: true });
    expect((await acme.api("GET", "/v1/bundles/pro")).body.status).toBe("archived");
    expect((await acme.api("DELETE", "/v1/bundles/nope")).status).toBe(404);
  });

  it("gives later modules prices with their bundle and grants with kind, value, levels and period", async () => {
    const scope = acme.scopes.development!;
    const { price, bundle } = await ctx.services.catalog.getPrice(scope, pro.prices[0].id);
    expect(price).toMatchObject({ id: pro.prices[0].id, amount: 999 });
    expect(bundle).toMatchObject({ id: pro.id, key: "pro" });
    await acme.api("PATCH", "/v1/bundles/pro", {
      entitlements: [
        { key: "seats", limit: 10 },
        { key: "support", level: "basic" },
      ],
    });
    const grants = await ctx.services.catalog.bundleEntitlements(scope, [pro.id, "bun_unknown"]);
    expect(grants.get(pro.id)).toEqual([
      expect.objectContaining({ key: "seats", kind: "quota", limit: 10, period: "month", levels: null }),
      expect.objectContaining({ key: "support", kind: "tier", level: "basic", levels: ["basic", "priority"] }),
    ]);
    expect(grants.get("bun_unknown")).toEqual([]);
  });

  it("keeps environments apart", async () => {
    const prod = acme.as("production");
    expect((await prod("GET", "/v1/bundles/pro")).status).toBe(404);
    expect((await prod("GET", `/v1/prices/${pro.prices[0].id}`)).status).toBe(404);
    expect((await prod("GET", "/v1/bundles")).body.data).toEqual([]);
    // The entitlements live in development only, so production cannot grant them.
    const res = await prod("POST", "/v1/bundles", {
      key: "pro",
      name: "Pro",
      entitlements: [{ key: "seats", limit: 1 }],
    });
    expect(paths(res)).toEqual(["entitlements.0.key"]);
    expect((await prod("POST", "/v1/bundles", { key: "pro", name: "Pro" })).status).toBe(201);
  });
});
