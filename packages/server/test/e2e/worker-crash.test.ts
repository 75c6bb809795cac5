import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SEED_MASTER_KEY, seedDueRenewals } from "../renewal-seed.js";
import { ROOT } from "./cli.js";

/*
 * At most once, across a crash: a real `tessera worker` process renews many due subscriptions,
 * is SIGKILLed in the middle, and a second one finishes the run. The jobs the first one held stay
 * locked until their lock expires (TESSERA_WORKER_LOCK_MS, short here), then the second takes them
 * over and re-runs them; every subscription must end renewed once, charged once.
 */

const COUNT = 1500;
const LOCK_MS = 1500;
/** Not a multiple of the worker's claim batch (50), so the kill lands inside a batch, not between two. */
const KILL_AT = 333;
const dir = mkdtempSync(join(tmpdir(), "tessera-crash-"));
const file = join(dir, "tessera.db");
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function startWorker(): { child: ChildProcess; stderr: () => string } {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, "packages/server/bin/tessera.mjs"),
      "worker",
      "--database-url",
      `sqlite:${file}`,
      "--poll-ms",
      "10",
      "--lock-ms",
      String(LOCK_MS),
    ],
    {
      env: { ...process.env, LOG_LEVEL: "warn", TESSERA_MASTER_KEY: SEED_MASTER_KEY },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (d) => {
    stderr += String(d);
  });
  return { child, stderr: () => stderr };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", r));

describe("a worker killed mid-run", () => {
  it("leaves every due subscription renewed exactly once after a restart", async () => {
    const seeded = await seedDueRenewals(`sqlite:${file}`, COUNT);
    const reader = new SQLite(file, { readonly: true });
    const renewedPayments = reader.prepare(
      "select count(*) as n from payments where kind = 'renewal' and period_index = 2 and status = 'succeeded'",
    );
    const count = () => (renewedPayments.get() as { n: number }).n;

    const first = startWorker();
    const deadline = Date.now() + 90_000;
    // Well into the run, so the kill lands among claimed, charging and committing jobs.
    while (count() < KILL_AT && Date.now() < deadline && first.child.exitCode === null) await sleep(2);
    first.child.kill("SIGKILL");
    await exited(first.child);
    const atKill = count();
    expect(atKill, `the kill must land mid-run; worker said:\n${first.stderr()}`).toBeGreaterThan(0);
    expect(atKill, "the kill must land mid-run").toBeLessThan(COUNT);
    const heldByTheDead = (
      reader.prepare("select count(*) as n from jobs where status = 'running'").get() as { n: number }
    ).n;
    const inFlight = (
      reader.prepare("select count(*) as n from subscriptions where inflight_payment_id is not null").get() as {
        n: number;
      }
    ).n;

    const second = startWorker();
    const pendingRenewals = reader.prepare(
      "select count(*) as n from jobs where type = 'subscription.period_end' and status != 'done' and run_at < ?",
    );
    const dueBefore = "2026-02-16T00:00:00.000Z";
    while ((pendingRenewals.get(dueBefore) as { n: number }).n > 0 && Date.now() < deadline) await sleep(50);
    second.child.kill("SIGTERM");
    await exited(second.child);
    expect(
      (pendingRenewals.get(dueBefore) as { n: number }).n,
      `unfinished renewals; worker said:\n${second.stderr()}`,
    ).toBe(0);

    // Our books: one succeeded renewal payment per subscription, nothing pending or in flight.
    const perSub = reader
      .prepare(
        "select subscription_id as id, count(*) as n from payments where period_index = 2 and status = 'succeeded' group by subscription_id",
      )
      .all() as Array<{ id: string; n: number }>;
    expect(perSub.length).toBe(COUNT);
    expect(perSub.filter((r) => r.n !== 1)).toEqual([]);
    expect(reader.prepare("select count(*) as n from payments where status = 'pending'").get()).toEqual({ n: 0 });
    const subs = reader.prepare("select status, period_index, inflight_payment_id from subscriptions").all() as Array<{
      status: string;
      period_index: number;
      inflight_payment_id: string | null;
    }>;
    expect(subs.every((s) => s.status === "active" && s.period_index === 2 && s.inflight_payment_id === null)).toBe(
      true,
    );
    // The provider's books: money moved once per subscription and period.
    const charges = reader
      .prepare(
        "select idempotency_key as k, count(*) as n from sandbox_operations where operation = 'charge' and idempotency_key like '%:p2:%' group by k",
      )
      .all() as Array<{ k: string; n: number }>;
    expect(charges.length).toBe(COUNT);
    expect(charges.every((c) => c.n === 1 && c.k.endsWith(":p2:a1"))).toBe(true);
    // And the events: one renewal each, in the same transactions as the changes.
    expect(
      reader
        .prepare(
          "select count(distinct object_id) as subs, count(*) as n from events where type = 'subscription.renewed'",
        )
        .get(),
    ).toEqual({ subs: COUNT, n: COUNT });
    expect(seeded.subscriptionIds).toHaveLength(COUNT);
    reader.close();
    // Reported, not asserted: how many claimed jobs the dead worker still held (taken over after the lock).
    console.log(
      `killed after ${atKill}/${COUNT} renewals; ${heldByTheDead} jobs still locked by the dead worker, ${inFlight} charges in flight`,
    );
  });
});
