import { type KyselyPlugin, type RootOperationNode, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, dialect, type TestContext } from "../../test/harness.js";
import { claimDueJobs, enqueueJob } from "./queue.js";

/**
 * Pending jobs sit in one of two indexes, by whether they wait on a target (migration
 * 2026-12-06-200): a claim for untargeted work must not read a capped target's backlog.
 */
describe("claims by target", () => {
  let ctx: TestContext;
  const t0 = Date.parse("2030-01-01T00:00:00Z");
  const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
  const claim = (o: Partial<Parameters<typeof claimDueJobs>[2]> = {}) =>
    claimDueJobs(ctx.deps.db, ctx.deps.dialect, {
      workerId: "w",
      wallNow: at(10_000),
      lockUntil: at(20_000),
      limit: 1000,
      ...o,
    });

  beforeAll(async () => {
    ctx = await createTestApp();
    await ctx.services.worker.drain();
  });
  afterAll(() => ctx.close());

  it("claims either kind alone, skips a capped target, and merges both kinds in time order", async () => {
    const job = (type: string, second: number, target?: string) =>
      enqueueJob(ctx.deps.db, at(0), { type, payload: {}, runAt: at(second), ...(target ? { target } : {}) });
    // A capped PSP's backlog first, then other work due after it.
    for (let i = 0; i < 50; i++) await job("t.backlog", i, "psp:a");
    await job("t.open", 100);
    await job("t.other", 101, "webhook:b");
    await job("t.open", 102);

    const open = await claim({ only: "untargeted", skip: { targets: ["psp:a"] } });
    expect(open.map((j) => [j.type, j.run_at])).toEqual([
      ["t.open", at(100)],
      ["t.open", at(102)],
    ]);
    const other = await claim({ only: "targeted", skip: { targets: ["psp:a"] } });
    expect(other.map((j) => j.type)).toEqual(["t.other"]);
    expect(await claim({ only: "targeted", skip: { targets: ["psp:a"] } })).toEqual([]);

    await job("t.open", 25);
    const both = await claim({ limit: 30 });
    // The first 30 due, in (run_at, id) order across both indexes.
    expect(both.map((j) => j.run_at)).toEqual([
      ...Array.from({ length: 25 }, (_, i) => at(i)),
      at(25),
      ...[25, 26, 27, 28].map(at),
    ]);
    expect(both.filter((j) => j.type === "t.open")).toHaveLength(1);
  });

  it("reads only what fell due since the last look when asked (the worker's look past a capped backlog)", async () => {
    const job = (type: string, second: number, target: string) =>
      enqueueJob(ctx.deps.db, at(0), { type, payload: {}, runAt: at(second), target });
    for (let i = 0; i < 20; i++) await job("u.backlog", 30_000 + i, "psp:c");
    await job("u.early", 30_005, "webhook:d");
    await job("u.late", 30_100, "webhook:d");
    const later = {
      wallNow: at(50_000),
      lockUntil: at(90_000),
      only: "targeted" as const,
      skip: { targets: ["psp:c"] },
    };
    const since = await claim({ ...later, dueAfter: at(30_100) });
    // (The first test's claims have expired leases by then: those are read in full, and left out here.)
    expect(since.map((j) => j.type).filter((t) => t.startsWith("u."))).toEqual(["u.late"]);
    // A full look still finds the one due before (released, or enqueued into the past).
    const full = await claim(later);
    expect(full.map((j) => j.type).filter((t) => t.startsWith("u."))).toEqual(["u.early"]);
  });

  // The plan is SQLite's (the embedded default, where a claim and the renewals share one writer);
  // Postgres picks its plan from table statistics, so a plan read on a small test table says nothing.
  it.skipIf(dialect !== "sqlite")("reads untargeted work off its own index, never the targeted backlog", async () => {
    const captured: RootOperationNode[] = [];
    const capture: KyselyPlugin = {
      transformQuery: ({ node }) => {
        captured.push(node);
        return node;
      },
      transformResult: async ({ result }) => result,
    };
    const db = ctx.deps.db.withPlugin(capture);
    await claimDueJobs(db, ctx.deps.dialect, {
      workerId: "w",
      wallNow: at(10_000),
      lockUntil: at(20_000),
      limit: 10,
      only: "untargeted",
      skip: { targets: ["psp:a"] },
    });
    const compiled = ctx.deps.db.getExecutor().compileQuery(captured[0]!, { queryId: "plan" });
    // EXPLAIN takes no bound parameters here: inline them (test values only).
    let i = 0;
    const inline = compiled.sql.replace(/\?/g, () => {
      const v = compiled.parameters[i++];
      return typeof v === "number" ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
    });
    const plan = await sql.raw<{ detail: string }>(`explain query plan ${inline}`).execute(ctx.deps.db);
    const details = plan.rows.map((r) => r.detail);
    const pendingReads = details.filter((d) => d.includes("jobs_pending"));
    expect(pendingReads.length).toBeGreaterThan(0);
    expect(pendingReads.every((d) => d.includes("jobs_pending_open"))).toBe(true);
    expect(details.some((d) => d.includes("jobs_pending_targeted"))).toBe(false);
    expect(details.some((d) => /^SCAN j\b/.test(d))).toBe(false);
  });
});
