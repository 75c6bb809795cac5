import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, dialect, type TestContext } from "../../../test/harness.js";
import type { Scope } from "../../context.js";

/*
 * The fan-out hands each consumer one job per page of events (fanout.ts): these tests hold the page
 * (one job, id order, the job's completion), a failure inside a page (the failing event retries
 * alone, no event handled twice) and `handleBatch` (the page at once, or one by one after a throw).
 */
describe("events: consume jobs per page", () => {
  let ctx: TestContext;
  let scope: Scope;
  const paged: string[] = [];
  const flaky: string[] = [];
  let failOn: string | undefined;
  const batches: string[][] = [];
  const singles: string[] = [];
  let failBatch = false;

  beforeAll(async () => {
    ctx = await createTestApp();
    scope = (await createTestTenant(ctx)).scopes.development!;
    ctx.services.events.subscribe({
      name: "test-pages",
      types: ["customer.updated"],
      async handle(_scope, event) {
        paged.push(event.id);
      },
    });
    ctx.services.events.subscribe({
      name: "test-flaky",
      types: ["customer.deleted"],
      async handle(_scope, event) {
        if (event.id === failOn) throw new Error("consumer down for this one");
        flaky.push(event.id);
      },
    });
    ctx.services.events.subscribe({
      name: "test-batcher",
      types: ["customer.created"],
      async handle(_scope, event) {
        singles.push(event.id);
      },
      async handleBatch(page) {
        batches.push(page.map((p) => p.event.id));
        if (failBatch) throw new Error("the whole page failed");
      },
    });
  });
  afterAll(() => ctx.close());

  /** Records `n` events of `type` in one transaction (one fan-out page), kicks, and drains. */
  async function recordAndDrain(type: "customer.updated" | "customer.deleted" | "customer.created", n: number) {
    const ids = await ctx.deps.db.transaction().execute(async (tx) => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const event = await ctx.services.events.record(tx, scope, {
          type,
          object: { id: `cus_page_${type}_${i}_${Date.now()}`, object: "customer" },
        });
        out.push(event.id);
      }
      return out;
    });
    await ctx.services.events.afterCommit(scope);
    await ctx.services.worker.drain();
    return ids;
  }

  const consumeJobs = (consumer: string) =>
    ctx.deps.db
      .selectFrom("jobs")
      .select(["status", "dedupe_key", "payload"])
      .where("type", "=", "events.consume")
      .where("dedupe_key", "like", `events.consume:${consumer}:%`)
      .orderBy("id")
      .execute();

  it("hands a consumer the page's events in one job, in id order", async () => {
    const ids = await recordAndDrain("customer.updated", 5);
    expect(paged).toEqual(ids);
    const jobs = await consumeJobs("test-pages");
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ status: "done", dedupe_key: `events.consume:test-pages:${ids[0]}..${ids[4]}` });
    expect(JSON.parse(jobs[0]!.payload)).toEqual({ consumer: "test-pages", event_ids: ids });
  });

  it("retries a failing event alone: those before it are handled once, those after it one by one", async () => {
    const ids = await ctx.deps.db.transaction().execute(async (tx) => {
      const out: string[] = [];
      for (let i = 0; i < 5; i++) {
        const event = await ctx.services.events.record(tx, scope, {
          type: "customer.deleted",
          object: { id: `cus_flaky_${i}`, object: "customer" },
        });
        out.push(event.id);
      }
      return out;
    });
    failOn = ids[2];
    await ctx.services.events.afterCommit(scope);
    await ctx.services.worker.drain();
    // In order up to the failure (one job); the rest in jobs of their own, which may run in any order.
    expect(flaky.slice(0, 2)).toEqual([ids[0], ids[1]]);
    expect(flaky.slice(2).sort()).toEqual([ids[3]!, ids[4]!].sort());
    const keys = (await consumeJobs("test-flaky")).map((j) => j.dedupe_key);
    expect(keys).toContain(`events.consume:test-flaky:${ids[0]}..${ids[4]}`);
    for (const id of ids.slice(2)) expect(keys).toContain(`events.consume:test-flaky:${id}`);

    // The consumer is back: the failing event, retried on the queue's backoff, is handled once.
    failOn = undefined;
    ctx.clock.advance(2 * 3_600_000);
    await ctx.services.worker.drain();
    expect([...flaky].sort()).toEqual([...ids].sort());
    expect(new Set(flaky).size).toBe(flaky.length);
  });

  it("gives a consumer with handleBatch the page at once; after a throw, one event at a time", async () => {
    const first = await recordAndDrain("customer.created", 3);
    expect(batches.at(-1)).toEqual(first);
    expect(singles).toEqual([]);

    failBatch = true;
    const second = await recordAndDrain("customer.created", 3);
    expect(batches.at(-1)).toEqual(second);
    // Each in a job of its own: any order.
    expect([...singles].sort()).toEqual([...second].sort());
  });

  // SQLite only: the plan is SQLite's; Postgres picks its own from statistics.
  it.runIf(dialect === "sqlite")(
    "reads an object's earlier events off its index in id order (no walk of the environment)",
    async () => {
      // The audit consumer's catch-up (events/repo.ts objectEventsBefore): without `id` ending the
      // object index, SQLite walked every event of the environment by id for each one recorded.
      const plan = await sql<{ detail: string }>`explain query plan
        select * from "events" where "tenant_id" = ${"t"} and "environment_id" = ${"e"}
        and "object_id" = ${"o"} and "id" < ${"i"} order by "id" desc limit ${1}`.execute(ctx.deps.db);
      const details = plan.rows.map((r) => r.detail).join("; ");
      expect(details).toMatch(/USING INDEX events_env_object \(environment_id=\? AND object_id=\? AND id<\?\)/);
      expect(details).not.toMatch(/TEMP B-TREE/);
    },
  );
});
