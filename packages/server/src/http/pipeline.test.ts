import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, dialect, type TestContext, type TestTenant } from "../../test/harness.js";
import { MAX_BODY_BYTES } from "./body-size.js";

/** Captures the app's JSON log lines. */
function logSink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: "info" }, stream) };
}

describe("request pipeline", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  const sink = logSink();

  beforeAll(async () => {
    ctx = await createTestApp({ logger: sink.logger });
    acme = await createTestTenant(ctx);
    ctx.app.get("/v1/test/explode", () => {
      throw new Error("connection string postgres://admin:hunter2@db/prod exploded");
    });
  });
  afterAll(() => ctx.close());

  it("echoes a sane x-request-id and makes one otherwise", async () => {
    const echoed = await acme.api("GET", "/v1/entitlements", undefined, { "x-request-id": "trace-42.a:b" });
    expect(echoed.headers.get("x-request-id")).toBe("trace-42.a:b");

    for (const insane of ["has space", "x".repeat(129), "<script>"]) {
      const res = await acme.api("GET", "/v1/entitlements", undefined, { "x-request-id": insane });
      expect(res.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    }
    const a = (await ctx.app.request("/healthz")).headers.get("x-request-id");
    const b = (await ctx.app.request("/healthz")).headers.get("x-request-id");
    expect(a).toMatch(/^req_/);
    expect(a).not.toBe(b);
  });

  it("puts the request id in problem documents and in the logs", async () => {
    const res = await acme.api("GET", "/v1/entitlements/nope", undefined, { "x-request-id": "find-me" });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      type: "https://tessera.dev/problems/not-found",
      title: "Not found",
      status: 404,
      code: "NOT_FOUND",
      request_id: "find-me",
    });
    const line = sink.lines.find((l) => l.request_id === "find-me" && l.msg === "request");
    expect(line).toMatchObject({ method: "GET", path: "/v1/entitlements/nope", status: 404, level: 30 });
    expect(typeof line?.ms).toBe("number");
  });

  it("reads an empty JSON body as no fields, not as broken JSON", async () => {
    const res = await acme.api("POST", "/v1/customers", "");
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_FAILED");
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(["storefront", "external_id"]),
    );
    const broken = await acme.api("POST", "/v1/entitlements", "{");
    expect(broken.body.code).toBe("INVALID_JSON");
  });

  it("answers /healthz and /readyz", async () => {
    const health = await ctx.app.request("/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await ctx.app.request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ok", database: dialect });
  });

  it("renders an unknown route as problem+json", async () => {
    const res = await ctx.app.request("/v1/nothing-here", { method: "POST" });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: "ROUTE_NOT_FOUND", status: 404 });
    expect(body.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("turns an unknown exception into a 500 that leaks nothing, and logs it", async () => {
    const res = await ctx.app.request("/v1/test/explode", { headers: { "x-request-id": "boom-1" } });
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ code: "INTERNAL", status: 500, request_id: "boom-1" });
    for (const leak of ["hunter2", "postgres://", "exploded", "Error", "at "]) expect(text).not.toContain(leak);
    const logged = sink.lines.find((l) => l.request_id === "boom-1" && l.msg === "unhandled error");
    expect(logged?.level).toBe(50);
    expect(JSON.stringify(logged?.err)).toContain("exploded");
  });

  it("refuses a body over the size limit with 413 before reading it", async () => {
    const huge = JSON.stringify({ key: "big", name: "x".repeat(MAX_BODY_BYTES), kind: "flag" });
    const res = await acme.api("POST", "/v1/entitlements", huge);
    expect(res.status).toBe(413);
    expect(res.body.code).toBe("PAYLOAD_TOO_LARGE");
    expect((await acme.api("GET", "/v1/entitlements/big")).status).toBe(404);
    const fits = await acme.api("POST", "/v1/entitlements", { key: "fits", name: "x".repeat(200), kind: "flag" });
    expect(fits.status).toBe(201);
  });

  it("rejects a non-JSON body with 400 and a missing body with field errors", async () => {
    const wrongType = await ctx.app.request("/v1/entitlements", {
      method: "POST",
      headers: { authorization: `Bearer ${acme.keys.development}`, "x-tn": acme.slug, "content-type": "text/plain" },
      body: "key=x",
    });
    expect(wrongType.status).toBe(400);
    const noBody = await acme.api("POST", "/v1/entitlements");
    expect(noBody.status).toBe(400);
    expect(noBody.body.code).toBe("VALIDATION_FAILED");
  });
});

describe("readiness without a database", () => {
  it("answers 503 UNAVAILABLE when the database is gone", async () => {
    const sink = logSink();
    const ctx = await createTestApp({ logger: sink.logger });
    await ctx.close();
    const res = await ctx.app.request("/readyz");
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe("UNAVAILABLE");
    expect(sink.lines.some((l) => l.msg === "readiness check failed")).toBe(true);
    // Liveness does not depend on the database.
    expect((await ctx.app.request("/healthz")).status).toBe(200);
  });
});
