import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestContext } from "../../test/harness.js";
import { enqueueJob } from "./queue.js";

/*
 * A job whose database goes away under it (the driver reports a lost or refused connection) is no
 * fault of the job: it goes back to the queue with its attempt returned, so an outage can never use
 * up a renewal's retries and leave it dead. A job that fails for its own reasons still counts.
 */
describe("a job interrupted by a database outage", () => {
  let ctx: TestContext;
  const calls = { outage: 0, broken: 0 };

  beforeAll(async () => {
    ctx = await createTestApp();
    ctx.services.jobs.register("test.outage", async () => {
      calls.outage += 1;
      // What pg raises when the server closes the connection mid-statement.
      if (calls.outage <= 3)
        throw Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" });
    });
    ctx.services.jobs.register("test.broken", async () => {
      calls.broken += 1;
      throw new Error("a bug in the handler");
    });
  });
  afterAll(() => ctx.close());

  it("is released with its attempt returned, and runs to the end once the database answers", async () => {
    const now = ctx.clock.now().toISOString();
    await enqueueJob(ctx.deps.db, now, { type: "test.outage", payload: {}, runAt: now, maxAttempts: 2 });
    await enqueueJob(ctx.deps.db, now, { type: "test.broken", payload: {}, runAt: now, maxAttempts: 2 });
    // Released jobs are due at once: each drain runs the interrupted job again.
    for (let i = 0; i < 4; i++) await ctx.services.worker.drain();
    const jobs = await ctx.deps.db.selectFrom("jobs").selectAll().where("type", "like", "test.%").execute();
    const outage = jobs.find((j) => j.type === "test.outage")!;
    const broken = jobs.find((j) => j.type === "test.broken")!;
    // Three interruptions did not count against its two attempts: it ran a fourth time and finished.
    expect(calls.outage).toBe(4);
    expect(outage).toMatchObject({ status: "done", attempts: 1 });
    // A real failure counts: one attempt used, a retry scheduled.
    expect(calls.broken).toBe(1);
    expect(broken).toMatchObject({ status: "pending", attempts: 1 });
  });
});
