import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Kysely, type RawBuilder, sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deps } from "../../src/context.js";
import { connectDatabase } from "../../src/db/connect.js";
import type { Database } from "../../src/db/types.js";
import { systemClock } from "../../src/lib/clock.js";
import { SecretBox } from "../../src/lib/crypto.js";
import { createServices } from "../../src/services.js";
import { startTestPostgres, type TestPostgres } from "../postgres.js";
import { SEED_MASTER_KEY, seedDueRenewals } from "../renewal-seed.js";
import { ROOT } from "./cli.js";

/*
 * Graceful shutdown: a real `tessera worker` renews due subscriptions and delivers their webhooks
 * to a real receiver (some answers slow, so jobs are running when the signal comes). SIGTERM in
 * the middle: the process exits 0 by itself, holding nothing (no job left 'running': unstarted
 * claims and, after the grace, running ones were released, not left to a lease that is long
 * here). The next process resumes them at once and the books come out exact. On SQLite and on
 * Postgres; renewals are capped to one slot so that deliveries run beside them.
 */

const COUNT = 600;
const CONCURRENCY = 8;
/** Long: if the first worker left claims behind, the second could not finish before the test ends. */
const LEASE_MS = 600_000;
const dir = mkdtempSync(join(tmpdir(), "tessera-shutdown-"));
let postgres: TestPostgres | undefined;
const children: ChildProcess[] = [];
let received: string[] = [];
const receiver = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const id = String(req.headers["webhook-id"]);
    // Every 25th request is slow: longer than the grace, so a SIGTERM finds some still running.
    const slow = received.push(id) % 25 === 0;
    setTimeout(() => res.end("ok"), slow ? 1_500 : 5);
  });
});

beforeAll(async () => {
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  postgres = await startTestPostgres();
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  receiver.close();
  receiver.closeAllConnections();
  postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function startWorker(url: string): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, "packages/server/bin/tessera.mjs"),
      "worker",
      "--database-url",
      url,
      "--poll-ms",
      "20",
      "--concurrency",
      String(CONCURRENCY),
      "--lease-ms",
      String(LEASE_MS),
      "--grace-ms",
      "300",
      "--shutdown-ms",
      "8000",
    ],
    {
      env: {
        ...process.env,
        LOG_LEVEL: "warn",
        TESSERA_MASTER_KEY: SEED_MASTER_KEY,
        TESSERA_WEBHOOKS_ALLOW_PRIVATE: "true",
        // Renewals are due (by their test clock) long before the deliveries they cause (wall clock):
        // a cap on renewals leaves slots to deliveries, so both are under way at the signal.
        TESSERA_WORKER_TYPE_CONCURRENCY: "subscription.period_end=1",
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (d) => {
    stderr += String(d);
  });
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, stderr: () => stderr, exit };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A webhook endpoint for the seeded environment, made through the service as the API would. */
async function addEndpoint(databaseUrl: string, environmentId: string, url: string) {
  // Set-up and checks read across tenants: system access on Postgres (row-level security).
  const database = connectDatabase(databaseUrl, { fallbackAccess: { kind: "system" } });
  try {
    const deps: Deps = {
      db: database.db,
      dialect: database.dialect,
      clock: systemClock,
      logger: pino({ level: "silent" }),
      secrets: new SecretBox(SEED_MASTER_KEY),
      baseUrl: "http://seed.test",
    };
    const services = createServices(deps, { webhooks: { allowPrivateAddresses: true } });
    const scope = (await services.tenancy.scopeForEnvironment(environmentId))!;
    await services.webhooks.createEndpoint(scope, { url, enabled_events: ["subscription.renewed"] });
  } finally {
    await database.close();
  }
}

describe.each(["sqlite", "postgres"] as const)("a worker stopped by SIGTERM mid-run, on %s", (dialect) => {
  it("exits 0 on its own, leaves nothing claimed, and the next worker finishes with exact books", async () => {
    const url = dialect === "sqlite" ? `sqlite:${join(dir, "tessera.db")}` : postgres!.url;
    received = [];
    const seeded = await seedDueRenewals(url, COUNT);
    await addEndpoint(url, seeded.environmentId, `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`);
    const database = connectDatabase(url, { fallbackAccess: { kind: "system" } });
    const db: Kysely<Database> = database.db;
    const count = async (query: RawBuilder<{ n: unknown }>) => Number((await query.execute(db)).rows[0]?.n ?? 0);
    const renewed = () => count(sql`select count(*) as n from payments where kind = 'renewal' and period_index = 2`);

    try {
      const first = startWorker(url);
      const deadline = Date.now() + 200_000;
      while (
        ((await renewed()) < COUNT / 10 || received.length < 60) &&
        Date.now() < deadline &&
        first.child.exitCode === null
      )
        await sleep(5);
      first.child.kill("SIGTERM");
      expect(await first.exit, `first worker said:\n${first.stderr()}`).toBe(0);
      const atStop = await renewed();
      const deliveredAtStop = await count(sql`select count(*) as n from webhook_deliveries where status = 'succeeded'`);
      expect(deliveredAtStop, "the stop must land mid-run").toBeLessThan(COUNT);
      // Nothing left to a lease: every claim was finished or handed back.
      expect(await count(sql`select count(*) as n from jobs where status = 'running'`)).toBe(0);

      const second = startWorker(url);
      const unfinished = () =>
        count(sql`select count(*) as n from jobs where status != 'done' and
          ((type = 'subscription.period_end' and run_at < ${"2026-02-16T00:00:00.000Z"}) or type = 'webhook.deliver')`);
      while ((await unfinished()) > 0 && Date.now() < deadline) await sleep(20);
      second.child.kill("SIGTERM");
      expect(await second.exit, `second worker said:\n${second.stderr()}`).toBe(0);
      expect(await unfinished(), `unfinished jobs; second worker said:\n${second.stderr()}`).toBe(0);

      // Money: one succeeded renewal per subscription, one provider charge per subscription and period.
      const perSub = await sql<{ id: string; n: unknown }>`select subscription_id as id, count(*) as n from payments
        where period_index = 2 and status = 'succeeded' group by subscription_id`.execute(db);
      expect(perSub.rows).toHaveLength(COUNT);
      expect(perSub.rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
      const charges = await sql<{ k: string; n: unknown }>`select idempotency_key as k, count(*) as n
        from sandbox_operations where operation = 'charge' and idempotency_key like '%:p2:%' group by idempotency_key`.execute(
        db,
      );
      expect(charges.rows).toHaveLength(COUNT);
      expect(charges.rows.filter((c) => Number(c.n) !== 1)).toEqual([]);
      expect(
        await count(sql`select count(*) as n from subscriptions where period_index = 2 and status = 'active'`),
      ).toBe(COUNT);
      // A release is not a failure: every job ran to done on its first counted attempt.
      expect(await count(sql`select max(attempts) as n from jobs where status = 'done'`)).toBe(1);

      // Webhooks: every renewal event delivered and acknowledged; a repeat only for a delivery that
      // was on the wire when the grace ran out (at least once), never more than one per slot.
      const events = await sql<{ id: string }>`select id from events where type = 'subscription.renewed'`.execute(db);
      expect(events.rows).toHaveLength(COUNT);
      expect(await count(sql`select count(*) as n from webhook_deliveries where status = 'succeeded'`)).toBe(COUNT);
      const seen = new Set(received);
      expect(events.rows.filter((e) => !seen.has(e.id))).toEqual([]);
      const repeats = received.length - seen.size;
      expect(repeats).toBeLessThanOrEqual(CONCURRENCY);
      console.log(
        `${dialect}: stopped after ${atStop}/${COUNT} renewals, ${deliveredAtStop}/${COUNT} deliveries; ${repeats} webhook(s) sent again after the stop`,
      );
    } finally {
      await database.close();
    }
  }, 240_000);
});
