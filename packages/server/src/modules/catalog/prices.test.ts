import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "../../../test/harness.js";
import {
  type ApiResult,
  client,
  createTestApp,
  createTestTenant,
  type TestContext,
  type TestTenant,
} from "../../../test/harness.js";

const paths = (res: ApiResult) => (res.body.errors ?? []).map((e: { path: string }) => e.path);

describe("prices API", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let bundleId: string;
  let monthly: Json;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    const bundle = await acme.api("POST", "/v1/bundles", { key: "pro", name: "Pro" });
    bundleId = bundle.body.id;
  });
  afterAll(() => ctx.close());

  it("adds a price to a bundle by key, and reads it back alone and on the bundle", async () => {
    const res = await acme.api("POST", "/v1/bundles/pro/prices", {
      currency: "EUR",
      amount: 999,
      interval: "month",
      interval_count: 3,
      trial_days: 14,
      term_count: 4,
      nickname: "quarterly",
    });
    expect(res.status).toBe(201);
    monthly = res.body;
    expect(monthly).toEqual({
      id: expect.stringMatching(/^price_/),
      object: "price",
      bundle: bundleId,
      currency: "EUR",
      amount: 999,
      interval: "month",
      interval_count: 3,
      trial_days: 14,
      term_count: 4,
      nickname: "quarterly",
      tax_code: "electronic_service",
      tax_behavior: null,
      status: "active",
      created_at: "2026-01-01T00:00:00.000Z",
    });
    expect((await acme.api("GET", `/v1/prices/${monthly.id}`)).body).toEqual(monthly);
    expect((await acme.api("GET", "/v1/bundles/pro")).body.prices).toEqual([monthly]);
    const byId = await acme.api("POST", `/v1/bundles/${bundleId}/prices`, {
      currency: "JPY",
      amount: 1200,
      interval: "year",
    });
    expect(byId.body).toMatchObject({
      currency: "JPY",
      interval_count: 1,
      trial_days: 0,
      term_count: null,
      nickname: null,
    });
  });

  it("rejects bad prices with field errors, and unknown bundles or prices with 404", async () => {
    const bad = await acme.api("POST", "/v1/bundles/pro/prices", {
      currency: "XYZ",
      amount: -5,
      interval: "hour",
      trial_days: 1.5,
      term_count: 0,
    });
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(expect.arrayContaining(["currency", "amount", "interval", "trial_days", "term_count"]));
    const missing = await acme.api("POST", "/v1/bundles/pro/prices", { currency: "EUR" });
    expect(paths(missing)).toEqual(expect.arrayContaining(["amount", "interval"]));
    const noBundle = await acme.api("POST", "/v1/bundles/nope/prices", { currency: "EUR", amount: 1, interval: "day" });
    expect(noBundle.status).toBe(404);
    expect((await acme.api("GET", "/v1/prices/price_01JZZZZZZZZZZZZZZZZZZZZZZZ")).status).toBe(404);
  });

  it("renames and archives a price, but never changes what it charges", async () => {
    const renamed = await acme.api("PATCH", `/v1/bundles/pro/prices/${monthly.id}`, { nickname: "Quarterly" });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ ...monthly, nickname: "Quarterly" });
    const archived = await acme.api("PATCH", `/v1/bundles/${bundleId}/prices/${monthly.id}`, { status: "archived" });
    expect(archived.body).toMatchObject({ status: "archived", nickname: "Quarterly", amount: 999 });
    expect((await acme.api("GET", `/v1/prices/${monthly.id}`)).body.status).toBe("archived");

    const repriced = await acme.api("PATCH", `/v1/bundles/pro/prices/${monthly.id}`, { amount: 1299, currency: "USD" });
    expect(repriced.status).toBe(400);
    expect(paths(repriced).sort()).toEqual(["amount", "currency"]);
    expect(repriced.body.errors[0].message).toContain("add a new price");
    expect((await acme.api("GET", `/v1/prices/${monthly.id}`)).body.amount).toBe(999);
  });

  it("finds a price only under its own bundle", async () => {
    await acme.api("POST", "/v1/bundles", { key: "other", name: "Other" });
    const wrong = await acme.api("PATCH", `/v1/bundles/other/prices/${monthly.id}`, { nickname: "x" });
    expect(wrong.status).toBe(404);
    expect((await acme.api("PATCH", "/v1/bundles/pro/prices/price_nope", { nickname: "x" })).status).toBe(404);
  });

  it("adds no price to an archived bundle", async () => {
    await acme.api("PATCH", "/v1/bundles/other", { status: "archived" });
    const res = await acme.api("POST", "/v1/bundles/other/prices", { currency: "EUR", amount: 1, interval: "day" });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("OBJECT_ARCHIVED");
    await acme.api("PATCH", "/v1/bundles/other", { status: "active" });
    expect(
      (await acme.api("POST", "/v1/bundles/other/prices", { currency: "EUR", amount: 1, interval: "day" })).status,
    ).toBe(201);
  });

  it("keeps environments apart", async () => {
    const prod = acme.as("production");
    expect((await prod("GET", `/v1/prices/${monthly.id}`)).status).toBe(404);
    expect((await prod("PATCH", `/v1/bundles/pro/prices/${monthly.id}`, { nickname: "x" })).status).toBe(404);
    expect((await prod("POST", "/v1/bundles/pro/prices", { currency: "EUR", amount: 1, interval: "day" })).status).toBe(
      404,
    );
  });

  it("needs catalog:write to add a price and catalog:read to read one", async () => {
    const key = await acme.api("POST", "/v1/api-keys", { name: "reader", scopes: ["catalog:read"] });
    expect(key.status).toBe(201);
    const reader = client(ctx, key.body.secret, acme.slug);
    expect((await reader("GET", `/v1/prices/${monthly.id}`)).status).toBe(200);
    expect(
      (await reader("POST", "/v1/bundles/pro/prices", { currency: "EUR", amount: 1, interval: "day" })).status,
    ).toBe(403);
  });
});
