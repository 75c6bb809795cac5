import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

describe("entitlements API", () => {
  let ctx: TestContext;
  let acme: TestTenant;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
  });
  afterAll(() => ctx.close());

  it("creates each kind and reads it back by id and key", async () => {
    const flag = await acme.api("POST", "/v1/entitlements", { key: "export-pdf", name: "Export PDF", kind: "flag" });
    expect(flag.status).toBe(201);
    expect(flag.body).toMatchObject({ object: "entitlement", key: "export-pdf", kind: "flag", status: "active" });
    expect(flag.body.id).toMatch(/^ent_/);
    const tier = await acme.api("POST", "/v1/entitlements", {
      key: "support",
      name: "Support",
      kind: "tier",
      levels: ["basic", "priority"],
    });
    expect(tier.body.levels).toEqual(["basic", "priority"]);
    const quota = await acme.api("POST", "/v1/entitlements", {
      key: "seats",
      name: "Seats",
      kind: "quota",
      period: "month",
    });
    expect(quota.body.period).toBe("month");
    const content = await acme.api("POST", "/v1/entitlements", {
      key: "courses",
      name: "Courses",
      kind: "content",
      content_ids: ["c1", "c2"],
    });
    expect(content.body.content_ids).toEqual(["c1", "c2"]);

    expect((await acme.api("GET", `/v1/entitlements/${flag.body.id}`)).body.key).toBe("export-pdf");
    expect((await acme.api("GET", "/v1/entitlements/support")).body.id).toBe(tier.body.id);
  });

  it("rejects bad input with problem+json and field errors", async () => {
    const res = await acme.api("POST", "/v1/entitlements", { key: "Bad Key", name: "", kind: "tier" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.body.code).toBe("VALIDATION_FAILED");
    expect(res.body.request_id).toBeTruthy();
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(["key", "name", "levels"]),
    );

    const quotaWithoutPeriod = await acme.api("POST", "/v1/entitlements", { key: "x", name: "X", kind: "quota" });
    expect(quotaWithoutPeriod.status).toBe(400);
    const unknownKind = await acme.api("POST", "/v1/entitlements", { key: "x", name: "X", kind: "nope" });
    expect(unknownKind.status).toBe(400);
    const malformed = await acme.api("POST", "/v1/entitlements", "{not json");
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe("INVALID_JSON");
  });

  it("refuses a duplicate key with 409", async () => {
    const dup = await acme.api("POST", "/v1/entitlements", { key: "export-pdf", name: "Again", kind: "flag" });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("ALREADY_EXISTS");
  });

  it("updates, keeps tier levels, and paginates with a cursor", async () => {
    const upd = await acme.api("PATCH", "/v1/entitlements/support", {
      name: "Support plan",
      levels: ["basic", "priority", "vip"],
    });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ name: "Support plan", levels: ["basic", "priority", "vip"] });
    const drop = await acme.api("PATCH", "/v1/entitlements/support", { levels: ["vip"] });
    expect(drop.status).toBe(400);

    const first = await acme.api("GET", "/v1/entitlements?limit=3");
    expect(first.body).toMatchObject({ object: "list", has_more: true });
    expect(first.body.data).toHaveLength(3);
    const second = await acme.api("GET", `/v1/entitlements?limit=3&starting_after=${first.body.next_cursor}`);
    expect(second.body.data).toHaveLength(1);
    expect(second.body.has_more).toBe(false);
    const all = [...first.body.data, ...second.body.data].map((e: { key: string }) => e.key);
    expect(new Set(all).size).toBe(4);
    expect((await acme.api("GET", "/v1/entitlements?limit=0")).status).toBe(400);
  });

  it("deletes an unused entitlement", async () => {
    const created = await acme.api("POST", "/v1/entitlements", { key: "temp", name: "Temp", kind: "flag" });
    const del = await acme.api("DELETE", `/v1/entitlements/${created.body.id}`);
    expect(del.body).toEqual({ id: created.body.id, object: "entitlement", deleted: true, archived: false });
    expect((await acme.api("GET", `/v1/entitlements/${created.body.id}`)).status).toBe(404);
  });

  it("keeps environments apart", async () => {
    const prod = acme.as("production");
    expect((await prod("GET", "/v1/entitlements/export-pdf")).status).toBe(404);
    expect((await prod("GET", "/v1/entitlements")).body.data).toEqual([]);
  });
});
