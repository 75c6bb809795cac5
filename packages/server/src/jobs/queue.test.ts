import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../test/harness.js";
import { backoffMs, claimDueJobs, enqueueJob } from "./queue.js";
import { createWorker } from "./worker.js";

describe("durable jobs and test clocks", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  const seen: { type: string; at: string; payload: unknown }[] = [];

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    // Provisioning's events reach their consumers (the audit trail) by jobs: run those first.
    await ctx.services.worker.drain();
    ctx.services.jobs.register("test.record", async ({ payload, scope }) => {
      seen.push({ type: "test.record", at: scope!.clock.now().toISOString(), payload });
    });
    let failures = 0;
    ctx.services.jobs.register("test.flaky", async () => {
      failures++;
      if (failures < 3) throw new Error(`flaky ${failures}`);
      seen.push({ type: "test.flaky", at: "", payload: failures });
    });
    ctx.services.jobs.register("test.chain", async ({ payload, scope }) => {
      const n = (payload as { n: number }).n;
      seen.push({ type: "test.chain", at: scope!.clock.now().toISOString(), payload: n });
      if (n < 3) {
        const next = new Date(scope!.clock.now().getTime() + 86_400_000).toISOString();
        await enqueueJob(ctx.deps.db, next, {
          type: "test.chain",
          payload: { n: n + 1 },
          runAt: next,
          scope: { tenantId: scope!.tenantId, environmentId: scope!.environmentId },
        });
      }
    });
  });
  afterAll(() => ctx.close());

  it("dedupes by key and runs due jobs once", async () => {
    const scope = acme.scopes.development!;
    const now = ctx.clock.now().toISOString();
    const first = await enqueueJob(ctx.deps.db, now, {
      type: "test.record",
      payload: { a: 1 },
      runAt: now,
      scope,
      dedupeKey: "once",
    });
    const again = await enqueueJob(ctx.deps.db, now, {
      type: "test.record",
      payload: { a: 2 },
      runAt: now,
      scope,
      dedupeKey: "once",
    });
    expect(first).toMatch(/^job_/);
    expect(again).toBeUndefined();
    expect(await ctx.services.worker.drain()).toBe(1);
    expect(await ctx.services.worker.drain()).toBe(0);
    expect(seen.filter((s) => s.type === "test.record")).toHaveLength(1);
  });

  it("two workers never claim the same job", async () => {
    const now = ctx.clock.now().toISOString();
    for (let i = 0; i < 20; i++)
      await enqueueJob(ctx.deps.db, now, { type: "test.record", payload: { i }, runAt: now });
    const opts = (workerId: string) => ({
      workerId,
      wallNow: now,
      lockUntil: new Date(Date.parse(now) + 60_000).toISOString(),
      limit: 15,
    });
    const [a, b] = await Promise.all([
      claimDueJobs(ctx.deps.db, ctx.deps.dialect, opts("a")),
      claimDueJobs(ctx.deps.db, ctx.deps.dialect, opts("b")),
    ]);
    const ids = [...a, ...b].map((j) => j.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(20);
    // Locks expire: a worker that died leaves its jobs to others after lockUntil.
    const later = new Date(Date.parse(now) + 120_000).toISOString();
    const reclaimed = await claimDueJobs(ctx.deps.db, ctx.deps.dialect, {
      workerId: "c",
      wallNow: later,
      lockUntil: later,
      limit: 100,
    });
    expect(reclaimed.length).toBe(20);
    expect(reclaimed.every((j) => j.attempts === 2)).toBe(true);
    await ctx.deps.db.updateTable("jobs").set({ status: "done" }).where("locked_by", "=", "c").execute();
  });

  it("retries a failing job with backoff until it succeeds", async () => {
    const now = ctx.clock.now().toISOString();
    await enqueueJob(ctx.deps.db, now, { type: "test.flaky", payload: {}, runAt: now });
    expect(await ctx.services.worker.drain()).toBe(1);
    ctx.clock.advance(60_000);
    await ctx.services.worker.drain();
    ctx.clock.advance(60_000);
    await ctx.services.worker.drain();
    expect(seen.filter((s) => s.type === "test.flaky")).toEqual([{ type: "test.flaky", at: "", payload: 3 }]);
    expect(backoffMs(1, () => 0)).toBe(2500);
    expect(backoffMs(30, () => 1)).toBe(3_600_000);
  });

  it("a test clock runs everything that became due, in order, at its own time", async () => {
    const scope = acme.scopes.staging!;
    const start = "2026-03-01T00:00:00.000Z";
    const api = acme.as("staging");
    // Freeze, then schedule a chain that re-enqueues itself daily.
    expect((await api("POST", "/v1/test-clocks/advance", { to: start })).status).toBe(200);
    await enqueueJob(ctx.deps.db, start, {
      type: "test.chain",
      payload: { n: 1 },
      runAt: "2026-03-02T00:00:00.000Z",
      scope,
    });
    const res = await api("POST", "/v1/test-clocks/advance", { by: "P8D" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      object: "test_clock",
      frozen: true,
      now: "2026-03-09T00:00:00.000Z",
      jobs_run: 3,
    });
    expect(seen.filter((s) => s.type === "test.chain").map((s) => [s.payload, s.at])).toEqual([
      [1, "2026-03-02T00:00:00.000Z"],
      [2, "2026-03-03T00:00:00.000Z"],
      [3, "2026-03-04T00:00:00.000Z"],
    ]);
    expect((await api("GET", "/v1/test-clocks/current")).body.now).toBe("2026-03-09T00:00:00.000Z");
    const events = await api("GET", "/v1/events?type=test_clock.*");
    expect(events.body.data[0]).toMatchObject({ type: "test_clock.advanced", data: { object: { jobs_run: 3 } } });
  });

  it("refuses to go backwards, bad durations and production", async () => {
    const api = acme.as("staging");
    expect((await api("POST", "/v1/test-clocks/advance", { to: "2020-01-01T00:00:00Z" })).status).toBe(400);
    expect((await api("POST", "/v1/test-clocks/advance", { by: "eight days" })).status).toBe(400);
    const prod = await acme.as("production")("POST", "/v1/test-clocks/advance", { by: "P1D" });
    expect(prod.status).toBe(409);
    expect(prod.body.code).toBe("TEST_CLOCK_FORBIDDEN");
  });

  it("the background loop picks up due jobs", async () => {
    const worker = createWorker({
      deps: ctx.deps,
      handlers: () => ctx.services.jobs.handlers(),
      scopeOf: (id) => ctx.services.tenancy.scopeForEnvironment(id),
      pollMs: 10,
    });
    const now = ctx.clock.now().toISOString();
    const before = seen.length;
    await enqueueJob(ctx.deps.db, now, {
      type: "test.record",
      payload: { loop: true },
      runAt: now,
      scope: acme.scopes.development!,
    });
    worker.start();
    for (let i = 0; i < 200 && seen.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    await worker.stop();
    expect(seen.length).toBe(before + 1);
  });
});
