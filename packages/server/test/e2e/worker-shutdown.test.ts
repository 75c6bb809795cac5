import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { Deps } from "../../src/context.js";
import { connectDatabase } from "../../src/db/connect.js";
import { systemClock } from "../../src/lib/clock.js";
import { SecretBox } from "../../src/lib/crypto.js";
import { createServices } from "../../src/services.js";
import { SEED_MASTER_KEY, seedDueRenewals } from "../renewal-seed.js";
import { ROOT } from "./cli.js";

/*
 * Graceful shutdown: a real `tessera worker` renews due subscriptions and delivers their webhooks
 * to a real receiver (some answers slow, so jobs are running when the signal comes). SIGTERM in
 * the middle: the process exits 0 by itself, holding nothing (no job left 'running': unstarted
 * claims and, after the grace, running ones were released, not left to a lease that is long
 * here). The next process resumes them at once and the books come out exact.
 */

const COUNT = 600;
const CONCURRENCY = 8;
/** Long: if the first worker left claims behind, the second could not finish before the test ends. */
const LEASE_MS = 600_000;
const dir = mkdtempSync(join(tmpdir(), "tessera-shutdown-"));
const file = join(dir, "tessera.db");
const children: ChildProcess[] = [];
const received: string[] = [];
const receiver = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const id = String(req.headers["webhook-id"]);
    // Every 25th request is slow: longer than the grace, so a SIGTERM finds some still running.
    const slow = received.push(id) % 25 === 0;
    setTimeout(() => res.end("ok"), slow ? 1_500 : 5);
  });
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  receiver.close();
  receiver.closeAllConnections();
  rmSync(dir, { recursive: true, force: true });
});

function startWorker(): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, "packages/server/bin/tessera.mjs"),
      "worker",
      "--database-url",
      `sqlite:${file}`,
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
async function addEndpoint(environmentId: string, url: string) {
  const database = connectDatabase(`sqlite:${file}`);
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

describe("a worker stopped by SIGTERM mid-run", () => {
  it("exits 0 on its own, leaves nothing claimed, and the next worker finishes with exact books", async () => {
    const seeded = await seedDueRenewals(`sqlite:${file}`, COUNT);
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    await addEndpoint(seeded.environmentId, `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`);
    const reader = new SQLite(file, { readonly: true });
    const one = <T>(query: string, ...args: unknown[]) => reader.prepare(query).get(...args) as T;
    const renewed = () =>
      one<{ n: number }>("select count(*) as n from payments where kind = 'renewal' and period_index = 2").n;

    const first = startWorker();
    const deadline = Date.now() + 90_000;
    while ((renewed() < COUNT / 10 || received.length < 60) && Date.now() < deadline && first.child.exitCode === null)
      await sleep(5);
    first.child.kill("SIGTERM");
    expect(await first.exit, `first worker said:\n${first.stderr()}`).toBe(0);
    const atStop = renewed();
    const deliveredAtStop = one<{ n: number }>(
      "select count(*) as n from webhook_deliveries where status = 'succeeded'",
    ).n;
    expect(deliveredAtStop, "the stop must land mid-run").toBeLessThan(COUNT);
    // Nothing left to a lease: every claim was finished or handed back.
    expect(one<{ n: number }>("select count(*) as n from jobs where status = 'running'").n).toBe(0);

    const second = startWorker();
    const unfinished = () =>
      one<{ n: number }>(
        "select count(*) as n from jobs where status != 'done' and (type = 'subscription.period_end' and run_at < ? or type = 'webhook.deliver')",
        "2026-02-16T00:00:00.000Z",
      ).n;
    while (unfinished() > 0 && Date.now() < deadline) await sleep(20);
    second.child.kill("SIGTERM");
    expect(await second.exit, `second worker said:\n${second.stderr()}`).toBe(0);
    expect(unfinished(), `unfinished jobs; second worker said:\n${second.stderr()}`).toBe(0);

    // Money: one succeeded renewal per subscription, one provider charge per subscription and period.
    const perSub = reader
      .prepare(
        "select subscription_id as id, count(*) as n from payments where period_index = 2 and status = 'succeeded' group by subscription_id",
      )
      .all() as Array<{ id: string; n: number }>;
    expect(perSub).toHaveLength(COUNT);
    expect(perSub.filter((r) => r.n !== 1)).toEqual([]);
    const charges = reader
      .prepare(
        "select idempotency_key as k, count(*) as n from sandbox_operations where operation = 'charge' and idempotency_key like '%:p2:%' group by k",
      )
      .all() as Array<{ k: string; n: number }>;
    expect(charges).toHaveLength(COUNT);
    expect(charges.filter((c) => c.n !== 1)).toEqual([]);
    expect(one("select count(*) as n from subscriptions where period_index = 2 and status = 'active'")).toEqual({
      n: COUNT,
    });
    // A release is not a failure: every job ran to done on its first counted attempt.
    expect(one("select max(attempts) as n from jobs where status = 'done'")).toEqual({ n: 1 });

    // Webhooks: every renewal event delivered and acknowledged; a repeat only for a delivery that
    // was on the wire when the grace ran out (at least once), never more than one per slot.
    const events = reader.prepare("select id from events where type = 'subscription.renewed'").all() as Array<{
      id: string;
    }>;
    expect(events).toHaveLength(COUNT);
    expect(one("select count(*) as n from webhook_deliveries where status = 'succeeded'")).toEqual({ n: COUNT });
    const seen = new Set(received);
    expect(events.filter((e) => !seen.has(e.id))).toEqual([]);
    const repeats = received.length - seen.size;
    expect(repeats).toBeLessThanOrEqual(CONCURRENCY);
    reader.close();
    console.log(
      `stopped after ${atStop}/${COUNT} renewals, ${deliveredAtStop}/${COUNT} deliveries; ${repeats} webhook(s) sent again after the stop`,
    );
  });
});
