import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import type { Scope } from "../../context.js";
import { claimDueJobs, enqueueJob } from "../../jobs/queue.js";

const S = "2026-05-01T00:00:00.000Z";
const day = (n: number) => new Date(Date.parse(S) + n * 86_400_000).toISOString();

describe("a test clock advance is done entirely or finished by the next one", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let scope: Scope;
  const runs = new Map<string, number>();

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    scope = acme.scopes.staging!;
    ctx.services.jobs.register("test.count", async ({ job }) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
    });
    expect((await acme.as("staging")("POST", "/v1/test-clocks/advance", { to: S })).status).toBe(200);
  });
  afterAll(() => ctx.close());

  const enqueue = async (runAt: string) =>
    (await enqueueJob(ctx.deps.db, runAt, { type: "test.count", payload: {}, runAt, scope }))!;
  /** What an advance that crashed after its first step leaves: its mark, the clock half way, one job run. */
  async function crashedAdvance(from: string, to: string, at: string) {
    await sql`update environments set test_clock_advance_from = ${from}, test_clock_advance_to = ${to}
      where id = ${scope.environmentId}`.execute(ctx.deps.db);
    await ctx.services.tenancy.setTestClock(scope.environmentId, at);
  }
  const advancedEvents = async () =>
    (await acme.as("staging")("GET", "/v1/events?type=test_clock.advanced&limit=100")).body.data.map(
      (e: Json) => e.data.object,
    );

  it("the next advance walks the rest of a crashed one first and records it once", async () => {
    const first = await enqueue(day(1));
    const second = await enqueue(day(3));
    await crashedAdvance(S, day(5), day(1));
    expect(await ctx.services.worker.drain({ environmentId: scope.environmentId })).toBe(1);

    const res = await acme.as("staging")("POST", "/v1/test-clocks/advance", { to: day(6) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ now: day(6), jobs_run: 0 });
    expect([runs.get(first), runs.get(second)]).toEqual([1, 1]);
    const recorded = (await advancedEvents()).slice(0, 2);
    // Newest first: the new advance, then the interrupted one, finished.
    expect(recorded).toMatchObject([
      { from: day(5), to: day(6), jobs_run: 0 },
      { from: S, to: day(5), jobs_run: 1 },
    ]);
    const { rows } = await sql<{ n: number }>`select count(*) as n from environments
      where id = ${scope.environmentId} and test_clock_advance_to is not null`.execute(ctx.deps.db);
    expect(Number(rows[0]!.n)).toBe(0);
  });

  it("a job claimed by a dead worker is run once its lease passes, and the advance completes", async () => {
    const id = await enqueue(day(7));
    await crashedAdvance(day(6), day(8), day(7));
    const wall = ctx.clock.now().getTime();
    const claimed = await claimDueJobs(ctx.deps.db, ctx.deps.dialect, {
      workerId: "dead-worker",
      wallNow: new Date(wall).toISOString(),
      lockUntil: new Date(wall + 1_000).toISOString(),
      limit: 10,
      environmentId: scope.environmentId,
    });
    expect(claimed.map((j) => j.id)).toEqual([id]);
    const advancing = acme.as("staging")("POST", "/v1/test-clocks/advance", { to: day(8) });
    // The dead worker's lease runs out on the wall clock; the advance then takes the job over.
    ctx.clock.advance(1_001);
    expect((await advancing).status).toBe(200);
    expect(runs.get(id)).toBe(1);
    const job = await ctx.deps.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: "done", attempts: 2 });
    expect((await advancedEvents())[0]).toMatchObject({ from: day(8), to: day(8) });
    expect((await advancedEvents())[1]).toMatchObject({ from: day(6), to: day(8), jobs_run: 1 });
  });
});
