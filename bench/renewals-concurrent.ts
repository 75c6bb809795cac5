import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deps } from "../packages/server/src/context.js";
import { withSystemAccess } from "../packages/server/src/db/access.js";
import { connectDatabase } from "../packages/server/src/db/connect.js";
import { createWorker } from "../packages/server/src/jobs/worker.js";
import type { PaymentProvider } from "../packages/server/src/modules/payments/provider.js";
import { paymentProvidersOf } from "../packages/server/src/modules/payments/providers/index.js";
import { sandboxProvider } from "../packages/server/src/modules/payments/providers/sandbox.js";
import { startFakeStripe } from "../packages/server/src/modules/payments/providers/stripe/fake-stripe.js";
import { createServices } from "../packages/server/src/services.js";
import { startTestPostgres } from "../packages/server/test/postgres.js";
import { seedDueRenewals } from "../packages/server/test/renewal-seed.js";
import { benchDeps } from "./lib/renewal-worker.js";

/*
 * Renewals bound by provider latency: BENCH_RENEWALS (20,000) due renewals against a PSP that
 * answers each charge after BENCH_LATENCY_MS (150 ms) — the sandbox made to wait in-process, or with
 * BENCH_PSP=stripe the real Stripe adapter over HTTP to a local fake Stripe — renewed by one worker
 * running BENCH_CONCURRENCY (64) jobs at once, on SQLite and on a throwaway Postgres
 * (BENCH_DIALECTS=sqlite,postgres). The bound is what latency allows: N / latency renewals per
 * second; printed is the rate and its ratio to that bound (the aim is ≥ 0.5). BENCH_LATENCY_MS=0
 * measures the ceiling the CPU and database set on the same machine at the same time.
 */

const count = Number(process.env.BENCH_RENEWALS ?? 20_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 150);
const dialects = (process.env.BENCH_DIALECTS ?? "sqlite,postgres").split(",");
/** `sandbox`: the sandbox made to wait in-process; `stripe`: the Stripe adapter over HTTP to a local fake Stripe that answers after the latency. */
const psp = process.env.BENCH_PSP ?? "sandbox";

/** The sandbox, answering every charge only after `latencyMs`, like a PSP across the internet. */
function slowSandbox(deps: Deps): PaymentProvider {
  const sandbox = sandboxProvider(deps.db);
  const later =
    <A, R>(call: (ctx: A, request: never) => Promise<R>) =>
    async (ctx: A, request: never): Promise<R> => {
      await new Promise((r) => setTimeout(r, latencyMs));
      return call(ctx, request);
    };
  return {
    ...sandbox,
    authorize: later(sandbox.authorize),
    capture: later(sandbox.capture),
    charge: later(sandbox.charge),
    refund: later(sandbox.refund),
    retrieve: later(sandbox.retrieve),
  };
}

async function run(url: string, label: string) {
  let started = performance.now();
  const stripe = psp === "stripe" ? await startFakeStripe({ latencyMs }) : undefined;
  await seedDueRenewals(
    url,
    count,
    stripe
      ? {
          providers: [
            {
              name: "stripe",
              config: { api_base: stripe.url },
              credentials: { secret_key: stripe.secretKey, webhook_secret: stripe.webhookSecret },
            },
          ],
          paymentMethod: "pm_card_visa",
        }
      : {},
  );
  const seeded = ((performance.now() - started) / 1000).toFixed(1);
  const database = connectDatabase(url, { poolSize: concurrency + 4 });
  const deps = benchDeps(database);
  const services = createServices(deps, { providers: stripe ? paymentProvidersOf(deps) : [slowSandbox(deps)] });
  const worker = createWorker({
    deps,
    handlers: () => services.jobs.handlers(),
    scopeOf: (id) => services.tenancy.scopeForEnvironment(id),
    concurrency,
    batchSize: 200,
  });
  started = performance.now();
  // The worker spans tenants (claims, then each job in its own scope): system access, as `serve` gives it.
  await withSystemAccess(() => worker.drain());
  const seconds = (performance.now() - started) / 1000;
  // Counted across tenants: on Postgres, row-level security shows a query without access nothing.
  const renewed = await withSystemAccess(() =>
    database.db
      .selectFrom("payments")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("kind", "=", "renewal")
      .where("status", "=", "succeeded")
      .executeTakeFirstOrThrow(),
  );
  await database.close();
  await stripe?.close();
  if (Number(renewed.n) !== count) throw new Error(`${label}: expected ${count} renewals, found ${renewed.n}`);
  const rate = count / seconds;
  const bound = concurrency / (latencyMs / 1000);
  const versus =
    latencyMs > 0
      ? ` — bound N/latency = ${Math.round(bound)}/s, ratio ${(rate / bound).toFixed(2)}`
      : " — no latency: what CPU and database allow, the ceiling for the ratio on this machine now";
  console.log(
    `${label.padEnd(9)} ${Math.round(rate).toLocaleString("en")} renewals/s (${count.toLocaleString("en")} in ${seconds.toFixed(1)} s; seeded in ${seeded} s)${versus}`,
  );
}

console.log(
  `${count.toLocaleString("en")} due renewals, provider ${psp === "stripe" ? "Stripe adapter → local fake Stripe over HTTP" : "sandbox"}, latency ${latencyMs} ms, concurrency N = ${concurrency}`,
);
if (dialects.includes("sqlite")) {
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-concurrent-"));
  try {
    await run(`sqlite:${join(dir, "renewals.db")}`, "sqlite");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (dialects.includes("postgres")) {
  const pg = await startTestPostgres();
  try {
    await run(pg.url, "postgres");
  } finally {
    await pg.stop();
  }
}
