import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type {
  KyselyPlugin,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../test/harness.js";
import { emitEvent, startReceiver } from "../../test/webhook-receiver.js";
import { claimDueJobs, enqueueJob } from "./queue.js";
import { createWorker, type WorkerOptions } from "./worker.js";

/** Waits for a condition the test needs before its next step (never asserts on time). */
async function until(what: string, check: () => boolean | Promise<boolean>, limitMs = 20_000) {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A gate a job waits on until the test opens it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

/**
 * Holds the answer of the second job claim until `release`, after telling `read` that the claim
 * has read the queue (a plugin's result step runs once the statement has run).
 */
function delaySecondClaim(read: () => void, release: Promise<void>): KyselyPlugin {
  const claims = new WeakSet<QueryId>();
  let seen = 0;
  return {
    transformQuery({ node, queryId }: { node: RootOperationNode; queryId: QueryId }) {
      if (node.kind === "RawNode" && node.sqlFragments.join("").includes("set status = 'running'")) claims.add(queryId);
      return node;
    },
    async transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      if (claims.has(queryId) && ++seen === 2) {
        read();
        await release;
      }
      return result;
    },
  };
}

describe("the worker pool: concurrency, leases, limits and release", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let globex: TestTenant;
  const runs = new Map<string, number>();
  const started: string[] = [];
  let slow = gate();

  const workerWith = (o: Partial<WorkerOptions> = {}) =>
    createWorker({
      deps: ctx.deps,
      handlers: () => ctx.services.jobs.handlers(),
      scopeOf: (id) => ctx.services.tenancy.scopeForEnvironment(id),
      pollMs: 10,
      ...o,
    });
  const job = (id: string) => ctx.deps.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    // A receiver has a minute to answer: longer than this test waits, so only the caps keep things moving.
    ctx = await createTestApp({}, { webhooks: { allowPrivateAddresses: true, timeoutMs: 60_000 } });
    acme = await createTestTenant(ctx, "acme");
    globex = await createTestTenant(ctx, "globex");
    ctx.services.jobs.register("test.slow", async ({ job }) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      await slow.opened;
    });
    ctx.services.jobs.register("test.order", async ({ job }) => {
      started.push(job.tenant_id ?? "");
    });
  });
  afterAll(() => ctx.close());

  async function enqueue(type: string, scope?: { tenantId: string; environmentId: string }, runAt?: string) {
    const now = ctx.clock.now().toISOString();
    return (await enqueueJob(ctx.deps.db, now, {
      type,
      payload: {},
      runAt: runAt ?? now,
      clock: "wall",
      ...(scope ? { scope } : {}),
    }))!;
  }

  it("a job longer than its lease keeps it (heartbeat): a second worker does not run it again", async () => {
    slow = gate();
    // What set-up left due (events fanned out after commit) runs first: only the test's job is left.
    await ctx.services.worker.drain();
    const id = await enqueue("test.slow");
    const a = workerWith({ leaseMs: 1_000, heartbeatMs: 10 });
    const b = workerWith();
    const draining = a.drain();
    await until("the job runs", () => runs.get(id) === 1);
    // Past the lease on the wall clock: only the heartbeat can keep the claim alive now.
    ctx.clock.advance(5_000);
    const now = ctx.clock.now().toISOString();
    await until("the lease was renewed", async () => ((await job(id)).locked_until ?? "") > now);
    expect(await b.drain()).toBe(0);
    slow.open();
    expect(await draining).toBe(1);
    expect(runs.get(id)).toBe(1);
    expect(await job(id)).toMatchObject({ status: "done", attempts: 1, locked_by: null });
  });

  it("a dead worker's claims are taken over once its lease has passed, not before", async () => {
    slow = gate();
    slow.open();
    const id = await enqueue("test.slow");
    const now = ctx.clock.now();
    // A worker claims and dies: nothing renews its lease.
    const claimed = await claimDueJobs(ctx.deps.db, ctx.deps.dialect, {
      workerId: "dead-worker",
      wallNow: now.toISOString(),
      lockUntil: new Date(now.getTime() + 2_000).toISOString(),
      limit: 10,
    });
    expect(claimed.map((j) => j.id)).toEqual([id]);
    const b = workerWith();
    expect(await b.drain()).toBe(0);
    ctx.clock.advance(2_001);
    expect(await b.drain()).toBe(1);
    expect(runs.get(id)).toBe(1);
    expect(await job(id)).toMatchObject({ status: "done", attempts: 2 });
  });

  it("stop releases claimed jobs, running ones after the grace: due at once, their attempt given back", async () => {
    slow = gate();
    const ids = [await enqueue("test.slow"), await enqueue("test.slow"), await enqueue("test.slow")];
    const a = workerWith({ concurrency: 1 });
    const draining = a.drain();
    await until("one job runs", () => ids.some((id) => runs.get(id) === 1));
    const { released } = await a.stop({ graceMs: 0 });
    expect(released).toBe(3);
    for (const id of ids) expect(await job(id)).toMatchObject({ status: "pending", attempts: 0, locked_by: null });
    // The abandoned run finishes late: it cannot mark a job it no longer holds.
    slow.open();
    await draining;
    const b = workerWith();
    expect(await b.drain()).toBe(3);
    for (const id of ids) expect(await job(id)).toMatchObject({ status: "done", attempts: 1 });
    // At least once: the job running at the stop ran again; the two never started ran once.
    expect(ids.map((id) => runs.get(id)).sort()).toEqual([1, 1, 2]);
  });

  it("one tenant's flood does not hold another tenant's due job beyond the next claim round", async () => {
    const flood = acme.scopes.development!;
    const other = globex.scopes.development!;
    const t0 = ctx.clock.now().getTime();
    for (let i = 0; i < 40; i++) await enqueue("test.order", flood, new Date(t0 - 60_000 + i).toISOString());
    // Due last of all: a first-come worker would run it 41st.
    await enqueue("test.order", other, ctx.clock.now().toISOString());
    const batchSize = 10;
    const concurrency = 2;
    const w = workerWith({ batchSize, concurrency, perTenant: 1 });
    expect(await w.drain()).toBe(41);
    expect(started).toHaveLength(41);
    // Claimed in the next round or the one after (the first was all the flood's: on Postgres a round
    // can end early while the pool is full), then started at a free slot — never 41st, as FIFO would.
    expect(started.indexOf(globex.id)).toBeLessThanOrEqual(2 * batchSize + concurrency);
    expect(started.filter((t) => t === globex.id)).toHaveLength(1);
  });

  it("a hanging receiver holds only its own slots: the healthy endpoint's deliveries all complete meanwhile", async () => {
    const hanging: IncomingMessage[] = [];
    const stuck = createServer((req) => hanging.push(req));
    await new Promise<void>((r) => stuck.listen(0, "127.0.0.1", r));
    const healthy = await startReceiver();
    const scope = acme.scopes.development!;
    for (const url of [`http://127.0.0.1:${(stuck.address() as AddressInfo).port}/hooks`, healthy.url]) {
      // Only the test's events: not each other's webhook_endpoint.created.
      const created = await acme.api("POST", "/v1/webhook-endpoints", { url, enabled_events: ["customer.created"] });
      expect(created.status).toBe(201);
    }
    const events = 12;
    for (let i = 0; i < events; i++)
      await emitEvent(ctx, scope, "customer.created", { id: `cus_${i}`, object: "customer" });

    const worker = workerWith({ concurrency: 4, perTarget: 2 });
    worker.start();
    try {
      await until("the healthy receiver got every event", () => healthy.received.length >= events);
      // Every event reached the healthy endpoint once, while the hanging one holds exactly its cap.
      expect(new Set(healthy.received.map((r) => r.id)).size).toBe(events);
      expect(healthy.received).toHaveLength(events);
      expect(hanging).toHaveLength(2);
    } finally {
      // The receiver goes away: the stuck attempts fail (and are rescheduled); the stop releases the rest.
      stuck.close();
      stuck.closeAllConnections();
      await worker.stop();
      await healthy.close();
    }
    const attempts = await ctx.deps.db
      .selectFrom("webhook_attempts")
      .select(["succeeded"])
      .where("tenant_id", "=", acme.id)
      .execute();
    expect(attempts.filter((a) => a.succeeded === 1)).toHaveLength(events);
    // The two stuck attempts failed when the receiver went away; the stop handed the rest back unrun.
    expect(attempts.filter((a) => a.succeeded === 0)).toHaveLength(2);
    const waiting = await ctx.deps.db
      .selectFrom("jobs")
      .select(["attempts"])
      .where("type", "=", "webhook.deliver")
      .where("status", "=", "pending")
      .where("run_at", "<=", ctx.clock.now().toISOString())
      .execute();
    expect(waiting.map((j) => j.attempts)).toEqual(Array(events - 2).fill(0));
  });
  it("a drain does not stop on a claim that looked while a job was still running: what that job scheduled still runs", async () => {
    await ctx.services.worker.drain();
    // The second claim reads the queue while the first job runs, and answers only after that job
    // scheduled its follow-up and finished: the claim's snapshot holds no follow-up.
    const secondClaimRead = gate();
    const firstJobSettled = gate();
    const delayed = delaySecondClaim(secondClaimRead.open, firstJobSettled.opened);
    let child: string | undefined;
    ctx.services.jobs.register("test.spawner", async () => {
      await secondClaimRead.opened;
      child = await enqueue("test.order");
    });
    const parent = await enqueue("test.spawner");
    const worker = createWorker({
      deps: { ...ctx.deps, db: ctx.deps.db.withPlugin(delayed) },
      handlers: () => ctx.services.jobs.handlers(),
      scopeOf: (id) => ctx.services.tenancy.scopeForEnvironment(id),
      concurrency: 4,
    });
    const draining = worker.drain();
    await until("the spawner is done", async () => (await job(parent)).status === "done");
    // Done in the table; its slot frees a few awaits later (no tenant: no after-job hook runs).
    await new Promise((r) => setTimeout(r, 50));
    firstJobSettled.open();
    expect(await draining).toBe(2);
    expect((await job(child!)).status).toBe("done");
  });

  it("while one target's backlog waits on its cap, work that comes later is still claimed and run", async () => {
    slow = gate();
    await ctx.services.worker.drain();
    const now = ctx.clock.now().toISOString();
    const scope = { tenantId: acme.id, environmentId: acme.scopes.development!.environmentId };
    const backlog: string[] = [];
    for (let i = 0; i < 12; i++)
      backlog.push(
        (await enqueueJob(ctx.deps.db, now, {
          type: "test.slow",
          payload: { i },
          runAt: now,
          clock: "wall",
          scope,
          target: "psp:sf_test:slowpay",
        }))!,
      );
    const worker = workerWith({ concurrency: 4, perTargetKind: { psp: 2 } });
    worker.start();
    try {
      await until("the PSP's cap is full", () => backlog.filter((id) => runs.get(id) === 1).length === 2);
      // The worker has claimed everything due outside the capped PSP: a claim now finds nothing.
      const before = started.length;
      await enqueue("test.order", scope);
      await until("the later job ran beside the capped backlog", () => started.length === before + 1);
      expect(backlog.filter((id) => runs.get(id) === 1)).toHaveLength(2);
    } finally {
      slow.open();
      await worker.stop();
      // The rest of the backlog runs now (the gate is open), so it holds nothing up after this test.
      await workerWith().drain();
    }
  });
});
