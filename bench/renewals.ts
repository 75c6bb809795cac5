import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectDatabase } from "../packages/server/src/db/connect.js";
import { rawInsertBaseline, seedDueRenewals } from "../packages/server/test/renewal-seed.js";
import { renewalWorker } from "./lib/renewal-worker.js";

/*
 * Renewal throughput: BENCH_RENEWALS (100,000) subscriptions whose renewal is due, on a temp
 * SQLite file, renewed by the real worker (claim, the sandbox provider's charge and books, the
 * payment row, the subscription's compare-and-set, its events and its next renewal job, one
 * transaction per step as in production). The baseline, measured in the same run: the same
 * number of rows inserted raw with one better-sqlite3 prepared statement in one transaction.
 * The ratio is what we track; the target is the whole run under 60 s on a 2-core machine.
 *
 * Also printed: CPU time per renewal (this process, user + system), steadier than the rate on a
 * shared machine.
 *
 * Then the same again with the worker the server runs ("with consumers"): after each job it kicks
 * the fan-out, so the events each renewal recorded also reach their consumers (the audit trail,
 * entitlement pushes; webhooks find no endpoint). The first figure leaves that work out, as it did
 * before events were fanned out after commit; the second is what a renewal costs in production.
 * BENCH_CONSUMERS=0 skips it.
 *
 * BENCH_RENEWALS, BENCH_CONCURRENCY (jobs run at once; the worker's default unless set), BENCH_BATCH (jobs claimed per query, 2000; a claim reads due jobs off an index,
 * so the batch only spreads the claim's own commit: the worker's default of 50 costs ≈ 10 µs more
 * per renewal).
 */

const count = Number(process.env.BENCH_RENEWALS ?? 100_000);
const batchSize = Number(process.env.BENCH_BATCH ?? 2000);
/** Jobs the worker runs at once (default: the worker's own); 1 runs them one after another. */
const concurrency = process.env.BENCH_CONCURRENCY ? Number(process.env.BENCH_CONCURRENCY) : undefined;
const TARGET_S = 60;

const dir = mkdtempSync(join(tmpdir(), "tessera-bench-renewals-"));

/** Seeds `count` due renewals in a file of their own and drains them; what it took. */
async function run(name: string, consumers: boolean) {
  const url = `sqlite:${join(dir, `${name}.db`)}`;
  let started = performance.now();
  await seedDueRenewals(url, count);
  console.log(
    `seeded ${count.toLocaleString("en")} due subscriptions in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const database = connectDatabase(url);
  const worker = renewalWorker(database, { batchSize, concurrency, consumers });
  started = performance.now();
  const cpuBefore = process.cpuUsage();
  const ran = await worker.drain();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const renewed = await database.db
    .selectFrom("payments")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("kind", "=", "renewal")
    .where("status", "=", "succeeded")
    .executeTakeFirstOrThrow();
  const unconsumed = await database.db
    .selectFrom("events")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("fanned_out_at", "is", null)
    .executeTakeFirstOrThrow();
  await database.close();
  if (Number(renewed.n) !== count) throw new Error(`expected ${count} renewals, found ${renewed.n} (${ran} jobs ran)`);
  if (consumers && Number(unconsumed.n) > 0) throw new Error(`${unconsumed.n} events were not fanned out`);
  return { seconds, cpu, ran };
}

const cpuLine = (cpu: NodeJS.CpuUsage) =>
  `${Math.round((cpu.user + cpu.system) / count)} µs per renewal (${Math.round(cpu.user / count)} user, ${Math.round(cpu.system / count)} system)`;

try {
  const jobs = await run("renewals", false);
  const rawMs = rawInsertBaseline(join(dir, "raw.db"), count);
  const perSecond = count / jobs.seconds;
  const rawPerSecond = count / (rawMs / 1000);
  console.log(
    `renewals:    ${Math.round(perSecond).toLocaleString("en")}/s (${count.toLocaleString("en")} in ${jobs.seconds.toFixed(1)} s, ${jobs.ran} jobs)`,
  );
  console.log(
    `raw inserts: ${Math.round(rawPerSecond).toLocaleString("en")}/s (${count.toLocaleString("en")} rows in ${(rawMs / 1000).toFixed(2)} s)`,
  );
  console.log(`ratio:       1 renewal costs ${(rawPerSecond / perSecond).toFixed(0)} raw row inserts`);
  console.log(`cpu:         ${cpuLine(jobs.cpu)}`);
  console.log(
    `target:      ${count.toLocaleString("en")} renewals in under ${TARGET_S} s — ${jobs.seconds < TARGET_S ? "met" : "MISSED"}`,
  );
  if (process.env.BENCH_CONSUMERS !== "0") {
    const all = await run("with-consumers", true);
    console.log(
      `with consumers: ${Math.round(count / all.seconds).toLocaleString("en")}/s (${count.toLocaleString("en")} in ${all.seconds.toFixed(1)} s, ${all.ran} jobs), ${cpuLine(all.cpu)}; ratio ${(rawPerSecond / (count / all.seconds)).toFixed(0)} raw row inserts`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
