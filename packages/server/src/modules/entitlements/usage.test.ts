import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { customerWithGrants, setupCatalog } from "./test-setup.js";

describe("usage quotas and checks", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let storefrontId: string;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    storefrontId = (await setupCatalog(acme.api)).storefront.id;
  });
  afterAll(() => ctx.close());
  beforeEach(() => ctx.clock.set("2026-01-14T10:00:00.000Z"));

  const customerWith = (...grants: object[]) => customerWithGrants(acme.api, storefrontId, grants);
  const quota = async (customer: string, key: string) =>
    (await acme.api("GET", `/v1/customers/${customer}/entitlements`)).body.entitlements.find(
      (e: { key: string }) => e.key === key,
    );
  const check = (customer: string, body: object) =>
    acme.api("POST", `/v1/customers/${customer}/entitlements/check`, body);

  it("records use in the current window and reports limit, used, remaining and resets_at", async () => {
    const c = await customerWith({ entitlement: "api-calls", limit: 100 });
    const res = await acme.api("POST", `/v1/customers/${c}/usage`, { entitlement: "api-calls", quantity: 30 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: "usage_record",
      entitlement: "api-calls",
      quantity: 30,
      window_start: "2026-01-01T00:00:00.000Z",
      window_end: "2026-02-01T00:00:00.000Z",
      duplicate: false,
      used: 30,
      limit: 100,
      remaining: 70,
    });
    expect(res.body.id).toMatch(/^use_/);
    expect(await quota(c, "api-calls")).toMatchObject({
      limit: 100,
      used: 30,
      remaining: 70,
      resets_at: "2026-02-01T00:00:00.000Z",
    });
    // Use past the limit is still recorded (it happened); remaining never goes below zero.
    await acme.api("POST", `/v1/customers/${c}/usage`, { entitlement: "api-calls", quantity: 80 });
    expect(await quota(c, "api-calls")).toMatchObject({ used: 110, remaining: 0 });
    // A new window starts from zero.
    ctx.clock.set("2026-02-01T00:00:00.000Z");
    expect(await quota(c, "api-calls")).toMatchObject({
      used: 0,
      remaining: 100,
      resets_at: "2026-03-01T00:00:00.000Z",
    });
  });

  it("puts a timestamped use in the window it happened in", async () => {
    const c = await customerWith({ entitlement: "renders", limit: 5 });
    const late = await acme.api("POST", `/v1/customers/${c}/usage`, {
      entitlement: "renders",
      quantity: 2,
      timestamp: "2026-01-13T23:30:00.000Z",
    });
    expect(late.body.window_start).toBe("2026-01-13T00:00:00.000Z");
    expect(await quota(c, "renders")).toMatchObject({ used: 0, resets_at: "2026-01-15T00:00:00.000Z" });
    const future = await acme.api("POST", `/v1/customers/${c}/usage`, {
      entitlement: "renders",
      quantity: 1,
      timestamp: "2026-01-15T00:00:00.000Z",
    });
    expect(future.status).toBe(400);
    expect(future.body.errors[0].path).toBe("timestamp");
  });

  it("records a use once per idempotency key, from the body or the header", async () => {
    const c = await customerWith({ entitlement: "api-calls", limit: 100 });
    const body = { entitlement: "api-calls", quantity: 5, idempotency_key: "evt-1" };
    const first = await acme.api("POST", `/v1/customers/${c}/usage`, body);
    const second = await acme.api("POST", `/v1/customers/${c}/usage`, body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id: first.body.id, duplicate: true, used: 5 });
    const reused = await acme.api("POST", `/v1/customers/${c}/usage`, { ...body, quantity: 6 });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe("IDEMPOTENCY_KEY_REUSED");

    const viaHeader = { entitlement: "api-calls", quantity: 7 };
    const h1 = await acme.api("POST", `/v1/customers/${c}/usage`, viaHeader, { "idempotency-key": "hdr-1" });
    expect(h1.body.idempotency_key).toBe("hdr-1");
    // Past the generic 24 h replay window the key still records nothing twice.
    ctx.clock.set("2026-01-16T10:00:00.000Z");
    const h2 = await acme.api("POST", `/v1/customers/${c}/usage`, viaHeader, { "idempotency-key": "hdr-1" });
    expect(h2.status).toBe(200);
    expect(h2.body).toMatchObject({ id: h1.body.id, duplicate: true });
    expect(await quota(c, "api-calls")).toMatchObject({ used: 12 });
  });

  it("refuses usage of unknown or non-quota entitlements and bad quantities", async () => {
    const c = await customerWith();
    for (const [body, path] of [
      [{ entitlement: "export-pdf", quantity: 1 }, "entitlement"],
      [{ entitlement: "nope", quantity: 1 }, "entitlement"],
      [{ entitlement: "api-calls", quantity: 0 }, "quantity"],
      [{ entitlement: "api-calls", quantity: 1.5 }, "quantity"],
      [{ entitlement: "api-calls" }, "quantity"],
    ] as const) {
      const res = await acme.api("POST", `/v1/customers/${c}/usage`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect(
      (await acme.api("POST", "/v1/customers/cus_nope/usage", { entitlement: "api-calls", quantity: 1 })).status,
    ).toBe(404);
  });

  it("answers checks as data: OK, NOT_ENTITLED, UNKNOWN_ENTITLEMENT, TIER_TOO_LOW, CONTENT_NOT_GRANTED", async () => {
    const c = await customerWith(
      { entitlement: "export-pdf" },
      { entitlement: "support", level: "priority" },
      { entitlement: "courses", content: ["c1"] },
    );
    const cases: Array<[object, boolean, string]> = [
      [{ entitlement: "export-pdf" }, true, "OK"],
      [{ entitlement: "api-calls" }, false, "NOT_ENTITLED"],
      [{ entitlement: "no-such-key" }, false, "UNKNOWN_ENTITLEMENT"],
      [{ entitlement: "support" }, true, "OK"],
      [{ entitlement: "support", level: "basic" }, true, "OK"],
      [{ entitlement: "support", level: "priority" }, true, "OK"],
      [{ entitlement: "support", level: "dedicated" }, false, "TIER_TOO_LOW"],
      [{ entitlement: "courses", content_id: "c1" }, true, "OK"],
      [{ entitlement: "courses", content_id: "c2" }, false, "CONTENT_NOT_GRANTED"],
    ];
    for (const [body, allowed, code] of cases) {
      const res = await check(c, body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(res.body, JSON.stringify(body)).toMatchObject({ object: "entitlement_check", allowed, code, customer: c });
    }
    expect((await check(c, { entitlement: "support" })).body.level).toBe("priority");
    const badLevel = await check(c, { entitlement: "support", level: "platinum" });
    expect(badLevel.status).toBe(400);
    const levelOnFlag = await check(c, { entitlement: "export-pdf", level: "basic" });
    expect(levelOnFlag.status).toBe(400);
    expect((await check("cus_nope", { entitlement: "export-pdf" })).status).toBe(404);
  });

  it("checks quotas without consuming, and consumes only while there is room", async () => {
    const c = await customerWith({ entitlement: "api-calls", limit: 10 });
    const peek = await check(c, { entitlement: "api-calls", quantity: 10 });
    expect(peek.body).toMatchObject({ allowed: true, code: "OK", consumed: 0, limit: 10, used: 0, remaining: 10 });
    const take = await check(c, { entitlement: "api-calls", quantity: 7, consume: true });
    expect(take.body).toMatchObject({ allowed: true, consumed: 7, used: 7, remaining: 3 });
    expect(take.body.resets_at).toBe("2026-02-01T00:00:00.000Z");
    const tooMuch = await check(c, { entitlement: "api-calls", quantity: 4, consume: true });
    expect(tooMuch.body).toMatchObject({ allowed: false, code: "QUOTA_EXCEEDED", consumed: 0, used: 7, remaining: 3 });
    const peekTooMuch = await check(c, { entitlement: "api-calls", quantity: 4 });
    expect(peekTooMuch.body).toMatchObject({ allowed: false, code: "QUOTA_EXCEEDED" });
    expect(await quota(c, "api-calls")).toMatchObject({ used: 7 });
  });

  it("never overspends under 50 concurrent consuming checks against a limit of 10", async () => {
    const c = await customerWith({ entitlement: "api-calls", limit: 6 }, { entitlement: "api-calls", limit: 4 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => check(c, { entitlement: "api-calls", consume: true })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const allowed = results.filter((r) => r.body.allowed);
    expect(allowed).toHaveLength(10);
    expect(results.filter((r) => !r.body.allowed).every((r) => r.body.code === "QUOTA_EXCEEDED")).toBe(true);
    // Each allowed call saw its own count: 1..10, each once.
    expect(allowed.map((r) => r.body.used).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await quota(c, "api-calls")).toMatchObject({ limit: 10, used: 10, remaining: 0 });
  });

  it("replays a consuming check sent again with the same Idempotency-Key instead of consuming twice", async () => {
    const c = await customerWith({ entitlement: "api-calls", limit: 10 });
    const body = { entitlement: "api-calls", quantity: 3, consume: true };
    const first = await acme.api("POST", `/v1/customers/${c}/entitlements/check`, body, { "idempotency-key": "k1" });
    const replay = await acme.api("POST", `/v1/customers/${c}/entitlements/check`, body, { "idempotency-key": "k1" });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
    expect(await quota(c, "api-calls")).toMatchObject({ used: 3 });
  });
});
