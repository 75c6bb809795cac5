import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, cpuMicros, load, startTesseraAndHello } from "./lib/processes.js";

/*
 * The API's hot path against a Hono hello world, both measured here and now (absolute numbers on a
 * shared machine drift; the ratio is what we track): an authenticated GET /v1/customers/{id} —
 * key lookup, x-tn check, permission, a scoped query, JSON — on SQLite, versus GET / answering
 * "Hello Hono!". Each server runs in a child process; autocannon loads it from this one.
 *
 * BENCH_CONNECTIONS (10), BENCH_DURATION seconds per round (5), BENCH_WARMUP seconds (2),
 * BENCH_ROUNDS (2, alternating the two servers), LOG_LEVEL of the server (info, as shipped).
 */

const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const duration = Number(process.env.BENCH_DURATION ?? 5);
const warmup = Number(process.env.BENCH_WARMUP ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const TARGET = 0.4;

const dir = mkdtempSync(join(tmpdir(), "tessera-bench-"));
const env = { DATABASE_URL: `sqlite:${join(dir, "bench.db")}` };
const children: Child[] = [];

async function seed(url: string, key: string): Promise<string> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "x-tn": "bench", "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  await post("/v1/storefronts", { key: "web", name: "Web", type: "web" });
  const customer = await post("/v1/customers", {
    storefront: "web",
    external_id: "bench-user",
    email: "bench@example.com",
    name: "Bench User",
    country: "DE",
    metadata: { plan: "pro" },
  });
  return customer.id;
}

try {
  const { key, tessera, hello } = await startTesseraAndHello(dir, env);
  children.push(tessera, hello);

  const customerId = await seed(tessera.url, key);
  const target = {
    // BENCH_PATH swaps the measured route (e.g. /healthz) to see where the cost of a request goes.
    url: `${tessera.url}${process.env.BENCH_PATH ?? `/v1/customers/${customerId}`}`,
    headers: { authorization: `Bearer ${key}`, "x-tn": "bench" },
  };
  const check = await fetch(target.url, { headers: target.headers });
  if (check.status !== 200) throw new Error(`GET ${target.url}: ${check.status} ${await check.text()}`);

  console.log(`server: ${connections} connections, ${rounds} × ${duration}s per server after ${warmup}s warm-up`);
  await load(hello.url, { connections, duration: warmup });
  await load(target.url, { connections, duration: warmup, headers: target.headers });
  const runs = { hello: { rps: 0, cpu: 0, requests: 0 }, tessera: { rps: 0, cpu: 0, requests: 0 } };
  const measure = async (which: "hello" | "tessera", child: Child, url: string, headers?: Record<string, string>) => {
    const before = cpuMicros(child.process.pid);
    const result = await load(url, { connections, duration, ...(headers ? { headers } : {}) });
    const after = cpuMicros(child.process.pid);
    runs[which].rps += result.requestsPerSecond / rounds;
    runs[which].requests += result.requests;
    if (before !== undefined && after !== undefined) runs[which].cpu += after - before;
    return result;
  };
  let latency = { p50: 0, p99: 0 };
  for (let round = 0; round < rounds; round++) {
    await measure("hello", hello, hello.url);
    const t = await measure("tessera", tessera, target.url, target.headers);
    latency = { p50: t.latencyP50, p99: t.latencyP99 };
  }
  const perRequest = (w: keyof typeof runs) =>
    runs[w].cpu ? `   ${(runs[w].cpu / runs[w].requests).toFixed(1)} µs CPU/req` : "";
  const ratio = runs.tessera.rps / runs.hello.rps;
  console.log(
    `  hono hello world          GET /                  ${runs.hello.rps.toFixed(0).padStart(6)} req/s${perRequest("hello")}`,
  );
  console.log(
    `  tessera (sqlite, auth'd)  GET /v1/customers/{id} ${runs.tessera.rps.toFixed(0).padStart(6)} req/s` +
      `${perRequest("tessera")}   p50 ${latency.p50} ms, p99 ${latency.p99} ms`,
  );
  console.log(`  ratio ${ratio.toFixed(2)} (target ≥ ${TARGET}) ${ratio >= TARGET ? "ok" : "BELOW TARGET"}`);
  if (runs.hello.cpu && runs.tessera.cpu) {
    const cpuRatio = runs.hello.cpu / runs.hello.requests / (runs.tessera.cpu / runs.tessera.requests);
    console.log(
      `  CPU-cost ratio ${cpuRatio.toFixed(2)} (hello world's CPU per request / tessera's; steadier on a busy machine)`,
    );
  }
} finally {
  for (const child of children) await child.stop();
  rmSync(dir, { recursive: true, force: true });
}
