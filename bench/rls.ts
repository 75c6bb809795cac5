import { performance } from "node:perf_hooks";
import { CompiledQuery } from "../packages/server/node_modules/kysely/dist/esm/index.js";
import { createApp } from "../packages/server/src/app.js";
import { withSystemAccess } from "../packages/server/src/db/access.js";
import { connectDatabase } from "../packages/server/src/db/connect.js";
import { migrateToLatest } from "../packages/server/src/db/migrate.js";
import { systemClock } from "../packages/server/src/lib/clock.js";
import { SecretBox } from "../packages/server/src/lib/crypto.js";
import { createLogger } from "../packages/server/src/logger.js";
import { provisionTenant } from "../packages/server/src/modules/tenancy/provision.js";
import { startTestPostgres } from "../packages/server/test/postgres.js";

/*
 * What Postgres row-level security costs a request: the authenticated GET /v1/customers/{id} of
 * bench/server.ts, run in process (app.fetch, no HTTP server, so the database's share and with it
 * the fence's looks larger than over the network) against two databases of one throwaway Postgres:
 * - with:    the server's connection (db/rls.ts): a role the policies fence, settings per access;
 * - without: a plain pg pool as the superuser, which ignores the policies — how it ran before.
 * BENCH_CONCURRENCY (10), BENCH_DURATION seconds per round (5), BENCH_ROUNDS (3, alternating).
 */

const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 10);
const duration = Number(process.env.BENCH_DURATION ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

// A database per variant (the migrator looks for its own tables in every schema of one).
async function databaseFor(url: string, name: string): Promise<string> {
  const admin = connectDatabase(url, { poolSize: 1, fallbackAccess: { kind: "owner" } });
  await admin.db.executeQuery(CompiledQuery.raw(`create database ${name}`));
  await admin.close();
  const own = new URL(url);
  own.pathname = `/${name}`;
  const migrating = connectDatabase(own.toString(), { poolSize: 1 });
  await migrateToLatest(migrating.db);
  await migrating.close();
  return own.toString();
}

async function variant(server: string, name: string, rls: boolean) {
  const url = await databaseFor(server, name);
  // Without: as the superuser, which the policies do not bind, and no settings — as before.
  const { db } = connectDatabase(url, { poolSize: 10, ...(rls ? {} : { rowLevelSecurity: false as const }) });
  const { app, services } = createApp({
    db,
    dialect: "postgres",
    clock: systemClock,
    logger: createLogger("silent"),
    secrets: new SecretBox("bench-master-key-bench-master-key-0123456789"),
    baseUrl: "http://bench.test",
  });
  const tenant = await withSystemAccess(() => provisionTenant(services, { slug: "bench", name: "Bench" }));
  const key = tenant.api_keys.find((k) => k.environment === "development")!.secret;
  const headers = { authorization: `Bearer ${key}`, "x-tn": "bench", "content-type": "application/json" };
  const post = async (path: string, body: unknown) => {
    const res = await app.request(path, { method: "POST", headers, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`${name} POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  await post("/v1/storefronts", { key: "web", name: "Web", type: "web" });
  const customer = await post("/v1/customers", { storefront: "web", external_id: "bench-user", name: "Bench User" });
  const path = `/v1/customers/${customer.id}`;
  return {
    name,
    db,
    async run(seconds: number) {
      const end = performance.now() + seconds * 1000;
      let done = 0;
      const cpu = process.cpuUsage();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (performance.now() < end) {
            const res = await app.request(path, { headers });
            if (res.status !== 200) throw new Error(`${name} GET: ${res.status} ${await res.text()}`);
            await res.arrayBuffer();
            done++;
          }
        }),
      );
      const used = process.cpuUsage(cpu);
      return { rps: done / seconds, cpuPerRequest: (used.user + used.system) / done };
    },
  };
}

const postgres = await startTestPostgres();
try {
  const variants = [await variant(postgres.url, "bench_rls", true), await variant(postgres.url, "bench_plain", false)];
  for (const v of variants) await v.run(1);
  const totals = new Map(variants.map((v) => [v.name, { rps: 0, cpu: 0 }]));
  for (let round = 0; round < rounds; round++) {
    for (const v of round % 2 ? [...variants].reverse() : variants) {
      const r = await v.run(duration);
      const t = totals.get(v.name)!;
      t.rps += r.rps / rounds;
      t.cpu += r.cpuPerRequest / rounds;
    }
  }
  const [withRls, without] = [totals.get("bench_rls")!, totals.get("bench_plain")!];
  console.log(`row-level security: ${concurrency} concurrent, ${rounds} × ${duration}s per variant, in process`);
  console.log(`  with    ${withRls.rps.toFixed(0).padStart(6)} req/s   ${withRls.cpu.toFixed(0)} µs Node CPU/req`);
  console.log(`  without ${without.rps.toFixed(0).padStart(6)} req/s   ${without.cpu.toFixed(0)} µs Node CPU/req`);
  console.log(`  ratio with/without ${(withRls.rps / without.rps).toFixed(2)} (req/s)`);
  for (const v of variants) await v.db.destroy();
} finally {
  postgres.stop();
}
