import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SEED_MASTER_KEY, seedDueRenewals } from "../renewal-seed.js";
import { ROOT } from "./cli.js";

/*
 * At most once, across a crash: a real `tessera worker` process renews many due subscriptions and
 * is SIGKILLed with a charge certainly in flight: the subscription of the HANG_AT-th renewal (in
 * claim order) pays with `pm_sandbox_hang`, whose charge goes through at the sandbox and then never
 * answers, so the worker sits there, after charging and before recording the outcome, until the
 * test sees the pending attempt and the provider's charge and kills it. A second worker finishes
 * the run: the jobs the first one held are taken over when their lock expires (--lock-ms, short
 * here); the hanging subscription's renewal resumes its attempt with the same key and the sandbox
 * answers the recorded charge. Every subscription must end renewed once, charged once.
 */

const COUNT = 1500;
const LOCK_MS = 1500;
/** Not a multiple of the worker's claim batch (50), so the kill lands inside a batch, not between two. */
const HANG_AT = 333;
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
    const seeded = await seedDueRenewals(`sqlite:${file}`, COUNT, { hangAt: HANG_AT });
    const hanging = seeded.hangingSubscriptionId!;
    const reader = new SQLite(file, { readonly: true });
    const renewedPayments = reader.prepare(
      "select count(*) as n from payments where kind = 'renewal' and period_index = 2 and status = 'succeeded'",
    );
    const count = () => (renewedPayments.get() as { n: number }).n;
    const attemptsOf = reader.prepare(
      "select id, status, attempt, idempotency_key from payments where subscription_id = ? and period_index = 2",
    );
    const providerCharges = reader.prepare(
      "select idempotency_key as k, status from sandbox_operations where operation = 'charge' and idempotency_key like ?",
    );
    const subscriptionOf = reader.prepare(
      "select status, period_index, inflight_payment_id from subscriptions where id = ?",
    );

    const first = startWorker();
    const deadline = Date.now() + 90_000;
    // The hanging charge is in flight once its attempt is reserved (pending) and the provider has it.
    const inFlight = () => attemptsOf.all(hanging).length === 1 && providerCharges.all(`${hanging}:p2:%`).length === 1;
    while (!inFlight() && Date.now() < deadline && first.child.exitCode === null) await sleep(10);
    expect(inFlight(), `the hanging charge never got in flight; worker said:\n${first.stderr()}`).toBe(true);
    first.child.kill("SIGKILL");
    await exited(first.child);

    // At the kill: charged at the provider, pending in our books, in flight on the subscription.
    const [reserved] = attemptsOf.all(hanging) as Array<{ id: string; status: string; attempt: number }>;
    expect(reserved).toMatchObject({ status: "pending", attempt: 1 });
    expect(subscriptionOf.get(hanging)).toEqual({
      status: "active",
      period_index: 1,
      inflight_payment_id: reserved!.id,
    });
    expect(providerCharges.all(`${hanging}:p2:%`)).toEqual([{ k: `${hanging}:p2:a1`, status: "succeeded" }]);
    const atKill = count();
    expect(atKill, "the kill must land mid-run").toBeGreaterThan(0);
    expect(atKill, "the kill must land mid-run").toBeLessThan(COUNT);
    const heldByTheDead = (
      reader.prepare("select count(*) as n from jobs where status = 'running'").get() as { n: number }
    ).n;
    expect(heldByTheDead, "the dead worker held the hanging renewal's job").toBeGreaterThan(0);

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
    // The charge in flight at the kill was resumed, not repeated: the same attempt, now succeeded.
    expect(attemptsOf.all(hanging)).toEqual([
      { id: reserved!.id, status: "succeeded", attempt: 1, idempotency_key: `${hanging}:p2:a1` },
    ]);
    expect(providerCharges.all(`${hanging}:p2:%`)).toEqual([{ k: `${hanging}:p2:a1`, status: "succeeded" }]);
    expect(subscriptionOf.get(hanging)).toEqual({ status: "active", period_index: 2, inflight_payment_id: null });
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
    // Reported, not asserted: how far the first worker got before the hanging charge.
    console.log(`killed after ${atKill}/${COUNT} renewals; ${heldByTheDead} jobs still locked by the dead worker`);
  });
});
