import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { enqueueJob } from "../../jobs/queue.js";

/** Lineage through jobs: a job continues the correlation of what scheduled it, and names its cause. */
describe("lineage through jobs", () => {
  let ctx: TestContext;
  let acme: TestTenant;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    await ctx.services.worker.drain();
    // A job that records an event, then schedules the next link of the chain from its own scope.
    ctx.services.jobs.register("test.lineage", async ({ payload, scope, job }) => {
      const n = (payload as { n: number }).n;
      await ctx.deps.db.transaction().execute((tx) =>
        ctx.services.events.record(tx, scope!, {
          type: "customer.updated",
          object: { id: `cus_chain_${n}`, object: "customer", job: job.id },
        }),
      );
      if (n < 2) {
        const now = ctx.clock.now().toISOString();
        await enqueueJob(ctx.deps.db, now, { type: "test.lineage", payload: { n: n + 1 }, runAt: now, scope: scope! });
      }
    });
  });
  afterAll(() => ctx.close());

  it("carries the request's correlation into the jobs it schedules and their events", async () => {
    const scope = { ...acme.scopes.development!, correlationId: "req_origin", causationId: "req_origin" };
    const now = ctx.clock.now().toISOString();
    await enqueueJob(ctx.deps.db, now, { type: "test.lineage", payload: { n: 1 }, runAt: now, scope });
    await ctx.services.worker.drain();
    const list = (await acme.api("GET", "/v1/events?type=customer.updated&limit=10")).body.data.reverse();
    expect(list).toHaveLength(2);
    const [first, second] = list;
    expect(first).toMatchObject({
      correlation_id: "req_origin",
      causation_id: "req_origin",
      request_id: null,
      actor: { type: "system", id: "test.lineage" },
    });
    // The second job was scheduled by the first: same correlation, caused by what caused the first.
    expect(second).toMatchObject({ correlation_id: "req_origin", actor: { type: "system", id: "test.lineage" } });
    const jobs = await ctx.deps.db
      .selectFrom("jobs")
      .select(["id", "correlation_id", "causation_id"])
      .where("type", "=", "test.lineage")
      .orderBy("id")
      .execute();
    expect(jobs.map((j) => j.correlation_id)).toEqual(["req_origin", "req_origin"]);
    expect(second.data.object.job).toBe(jobs[1]!.id);

    // A job nobody correlated starts its own chain: its id is the correlation.
    const alone = ctx.clock.now().toISOString();
    const id = await enqueueJob(ctx.deps.db, alone, {
      type: "test.lineage",
      payload: { n: 2 },
      runAt: alone,
      scope: acme.scopes.development!,
    });
    await ctx.services.worker.drain();
    const own = (await acme.api("GET", "/v1/events?object_id=cus_chain_2&limit=10")).body.data[0];
    expect(own).toMatchObject({ correlation_id: id, causation_id: id });
  });
});
