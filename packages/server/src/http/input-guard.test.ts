import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../test/harness.js";
import { jsonDepth, MAX_JSON_DEPTH } from "./input-guard.js";

describe("jsonDepth", () => {
  it("counts nesting without recursion, ignoring brackets inside strings", () => {
    expect(jsonDepth("{}")).toBe(1);
    expect(jsonDepth('{"a":[{"b":1}]}')).toBe(3);
    expect(jsonDepth('{"a":"[[[{{{\\"]]]"}')).toBe(1);
    expect(jsonDepth("[".repeat(200_000))).toBe(200_000);
    expect(jsonDepth("[".repeat(200_000), 10)).toBe(11);
  });
});

describe("input no route should see is refused with a 400, on every dialect", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
  });
  afterAll(() => ctx.close());

  const problem = (res: { status: number; headers: Headers; body: Record<string, unknown> }) => {
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.body.code).toBe("VALIDATION_FAILED");
  };

  it("refuses NUL characters in paths, queries and bodies", async () => {
    problem(await acme.api("GET", "/v1/customers/cus_%00x"));
    problem(await acme.api("GET", "/v1/customers?email=a%00b"));
    problem(await acme.api("POST", "/v1/customers", { storefront: "web", external_id: "a\u0000b" }));
    problem(await acme.api("POST", "/v1/entitlements", '{"key":"a","name":"x\\u0000","kind":"flag"}'));
    problem(await acme.api("PATCH", "/v1/entitlements/x", { name: "\u0000" }));
    expect((await acme.api("GET", "/v1/entitlements")).body.data).toEqual([]);
  });

  it("refuses JSON nested deeper than the limit before anything walks it", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    problem(await acme.api("POST", "/v1/entitlements", `{"key":"d","name":"d","kind":"flag","metadata":${deep}}`));
    // The object around it is one level: this body is exactly at the limit.
    const justDeep = `${"[".repeat(MAX_JSON_DEPTH - 1)}${"]".repeat(MAX_JSON_DEPTH - 1)}`;
    const res = await acme.api(
      "POST",
      "/v1/entitlements",
      `{"key":"d","name":"d","kind":"flag","metadata":${justDeep}}`,
    );
    // Within the depth limit: an ordinary validation error from the route, not the guard.
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.errors)).toContain("metadata");
  });

  it("refuses oversized ids and cursors without echoing them whole", async () => {
    const long = `cus_${"A".repeat(5000)}`;
    const byId = await acme.api("GET", `/v1/customers/${long}`);
    problem(byId);
    expect(JSON.stringify(byId.body)).not.toContain("A".repeat(300));
    const cursor = await acme.api("GET", `/v1/customers?starting_after=${"x".repeat(5000)}`);
    problem(cursor);
    expect(JSON.stringify(cursor.body)).not.toContain("x".repeat(300));
    const notFound = await acme.api("GET", `/v1/customers/cus_${"B".repeat(150)}`);
    expect(notFound.status).toBe(404);
    expect(JSON.stringify(notFound.body)).not.toContain("B".repeat(100));
  });

  it("validates every list cursor: garbage is a 400, a real next_cursor works", async () => {
    for (const path of [
      "/v1/customers",
      "/v1/entitlements",
      "/v1/bundles",
      "/v1/events",
      "/v1/payments",
      "/v1/api-keys",
    ]) {
      const res = await acme.api("GET", `${path}?starting_after=garbage`);
      expect(res.status, path).toBe(400);
      expect(res.body.errors?.[0]?.path, path).toBe("query.starting_after");
    }
    for (const key of ["a", "b", "c"]) await acme.api("POST", "/v1/entitlements", { key, name: key, kind: "flag" });
    const first = await acme.api("GET", "/v1/entitlements?limit=2");
    expect(first.body.next_cursor).toBeTruthy();
    const next = await acme.api("GET", `/v1/entitlements?limit=2&starting_after=${first.body.next_cursor}`);
    expect(next.status).toBe(200);
    expect(next.body.data).toHaveLength(1);
  });
});
