import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog, freezeAt, subscribe } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, dialect, type TestContext } from "../../../test/harness.js";
import type { Deps } from "../../context.js";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.js";
import { createWorker, type Worker } from "../../jobs/worker.js";
import { systemClock } from "../../lib/clock.js";
import { SecretBox } from "../../lib/crypto.js";
import { createServices } from "../../services.js";

/*
 * Two workers, each with its own connection pool (as two replicas would have), drain the same due
 * renewals at the same time. Their locks expire after 1 ms, so each keeps re-claiming the jobs
 * the other is running: the same subscription is renewed by both at once, over and over. The
 * payment idempotency key, the compare-and-set on the subscription and the sandbox's unique key
 * must still let exactly one charge through per subscription and period. Postgres only: SQLite
 * has one writer per file, so there is no race to lose there.
 */

const COUNT = 40;

describe.skipIf(dialect !== "postgres")("two workers racing on Postgres", () => {
  let ctx: TestContext;
  const pools: DatabaseHandle[] = [];
  const workers: Worker[] = [];

  beforeAll(async () => {
    ctx = await createTestApp();
    const acme = await createTestTenant(ctx);
    await freezeAt(acme.api, "2026-03-01T00:00:00.000Z");
    const cat = await billingCatalog(acme.api);
    for (let i = 0; i < COUNT; i++) await subscribe(acme.api, cat, {});
    // The set-up's events reach their consumers now (after commit, by jobs): the race is the renewals'.
    await ctx.services.worker.drain();
    // Due by the test clock, but not run: the racing workers will do it.
    await ctx.services.tenancy.setTestClock(acme.scopes.development!.environmentId, "2026-04-01T12:00:00.000Z");
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(ctx.deps.db);
    for (const name of ["a", "b"]) {
      // Workers built by hand, not through services.worker: claiming spans tenants, so system access.
      const pool = connectDatabase(process.env.TESSERA_TEST_PG_URL!, {
        schema: rows[0]!.schema,
        poolSize: 4,
        fallbackAccess: { kind: "system" },
      });
      pools.push(pool);
      const deps: Deps = {
        db: pool.db,
        dialect: "postgres",
        clock: systemClock,
        logger: pino({ level: "silent" }),
        secrets: new SecretBox("test-master-key-test-master-key-0123456789"),
        baseUrl: "",
      };
      const services = createServices(deps);
      workers.push(
        createWorker({
          deps,
          workerId: `racer-${name}`,
          handlers: () => services.jobs.handlers(),
          scopeOf: (id) => services.tenancy.scopeForEnvironment(id),
          lockMs: 1,
          batchSize: 10,
        }),
      );
    }
  }, 60_000); // Forty subscriptions and their fan-out through the API: slow on a loaded machine.
  afterAll(async () => {
    for (const pool of pools) await pool.close();
    await ctx.close();
  });

  it("charges every subscription once for the period, however often both run its renewal", async () => {
    const db = ctx.deps.db;
    const due = () =>
      db
        .selectFrom("jobs")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("type", "=", "subscription.period_end")
        .where("status", "!=", "done")
        .where("run_at", "<", "2026-04-01T12:00:00.000Z")
        .executeTakeFirstOrThrow();
    for (let round = 0; round < 20 && Number((await due()).n) > 0; round++) {
      await Promise.all(workers.map((w) => w.drain({ maxJobs: 400 })));
    }
    expect(Number((await due()).n)).toBe(0);

    // The race happened: renewal jobs were claimed more often than there are jobs.
    const claims = await db
      .selectFrom("jobs")
      .select((eb) => eb.fn.sum<number>("attempts").as("n"))
      .where("type", "=", "subscription.period_end")
      .where("run_at", "<", "2026-04-01T12:00:00.000Z")
      .executeTakeFirstOrThrow();
    expect(Number(claims.n)).toBeGreaterThan(COUNT);

    const paid = await db
      .selectFrom("payments")
      .select(["subscription_id", (eb) => eb.fn.countAll<number>().as("n")])
      .where("period_index", "=", 2)
      .where("status", "=", "succeeded")
      .groupBy("subscription_id")
      .execute();
    expect(paid).toHaveLength(COUNT);
    expect(paid.filter((p) => Number(p.n) !== 1)).toEqual([]);
    const charges = await db
      .selectFrom("sandbox_operations")
      .select(["idempotency_key", (eb) => eb.fn.countAll<number>().as("n")])
      .where("operation", "=", "charge")
      .where("idempotency_key", "like", "%:p2:%")
      .groupBy("idempotency_key")
      .execute();
    expect(charges).toHaveLength(COUNT);
    expect(charges.every((c) => Number(c.n) === 1)).toBe(true);
    const renewed = await db
      .selectFrom("events")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("type", "=", "subscription.renewed")
      .executeTakeFirstOrThrow();
    expect(Number(renewed.n)).toBe(COUNT);
    const subs = await db
      .selectFrom("subscriptions")
      .select(["period_index", "status", "inflight_payment_id"])
      .execute();
    expect(subs.every((s) => s.period_index === 2 && s.status === "active" && s.inflight_payment_id === null)).toBe(
      true,
    );
  });
});
