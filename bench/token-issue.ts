import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { type Child, cpuMicros, startTesseraAndHello } from "./lib/processes.js";

/*
 * Issuing entitlement tokens, POST /v1/customers/{id}/entitlements/token, against a Hono hello
 * world measured in the same run (the ratio is what we track; absolute numbers drift on a shared
 * machine). Each issue authenticates the key, resolves the customer's grants and quota usage,
 * reads the environment's active signing key and signs an EdDSA JWS. Both servers are child
 * processes; autocannon loads them from this one.
 *
 * BENCH_CONNECTIONS (10), BENCH_DURATION seconds per round (5), BENCH_WARMUP seconds (2),
 * BENCH_ROUNDS (2, alternating the two servers), LOG_LEVEL of the server (info, as shipped).
 */

const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const duration = Number(process.env.BENCH_DURATION ?? 5);
const warmup = Number(process.env.BENCH_WARMUP ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const TARGET = 0.3;

const dir = mkdtempSync(join(tmpdir(), "tessera-bench-token-"));
const env = { DATABASE_URL: `sqlite:${join(dir, "bench.db")}` };
const children: Child[] = [];

/** A customer entitled to one entitlement of each kind through manual grants: a realistic token. */
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
  await post("/v1/entitlements", { key: "export-pdf", name: "Export PDF", kind: "flag" });
  await post("/v1/entitlements", { key: "support", name: "Support", kind: "tier", levels: ["basic", "priority"] });
  await post("/v1/entitlements", { key: "api-calls", name: "API calls", kind: "quota", period: "month" });
  await post("/v1/entitlements", { key: "courses", name: "Courses", kind: "content" });
  await post("/v1/storefronts", { key: "web", name: "Web", type: "web" });
  const customer = await post("/v1/customers", { storefront: "web", external_id: "bench-user" });
  const grants = [
    { entitlement: "export-pdf" },
    { entitlement: "support", level: "priority" },
    { entitlement: "api-calls", limit: 10_000 },
    { entitlement: "courses", content: ["intro", "advanced"] },
  ];
  for (const g of grants) await post(`/v1/customers/${customer.id}/grants`, { ...g, reason: "bench" });
  return customer.id;
}

interface Run {
  rps: number;
  cpu: number;
  requests: number;
}

async function load(url: string, seconds: number, init: { method?: "POST"; headers?: Record<string, string> } = {}) {
  const result = await autocannon({ url, connections, duration: seconds, ...init });
  if (result.non2xx || result.errors || result.timeouts) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors + result.timeouts} errors`);
  }
  return result;
}

/** µs per Ed25519 signature of a token-sized payload on this machine now (median of 5 runs). */
function signatureMicros(): number {
  const { privateKey } = generateKeyPairSync("ed25519");
  const payload = Buffer.alloc(900, 97);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    for (let i = 0; i < 2000; i++) sign(null, payload, privateKey);
    runs.push(((performance.now() - start) / 2000) * 1000);
  }
  return runs.sort((a, b) => a - b)[2]!;
}

try {
  const { key, tessera, hello } = await startTesseraAndHello(dir, env);
  children.push(tessera, hello);

  const customerId = await seed(tessera.url, key);
  const url = `${tessera.url}/v1/customers/${customerId}/entitlements/token`;
  const init = { method: "POST" as const, headers: { authorization: `Bearer ${key}`, "x-tn": "bench" } };
  const check = await fetch(url, init);
  const issued = (await check.json()) as { token?: string };
  if (check.status !== 200 || !issued.token) throw new Error(`POST ${url}: ${check.status} ${JSON.stringify(issued)}`);
  console.log(`token: ${issued.token.length} bytes`);

  console.log(`token-issue: ${connections} connections, ${rounds} × ${duration}s per server after ${warmup}s warm-up`);
  await load(hello.url, warmup);
  await load(url, warmup, init);
  const runs: Record<"hello" | "tessera", Run> = {
    hello: { rps: 0, cpu: 0, requests: 0 },
    tessera: { rps: 0, cpu: 0, requests: 0 },
  };
  let latency = { p50: 0, p99: 0 };
  const measure = async (which: "hello" | "tessera", child: Child, target: string, options = {}) => {
    const before = cpuMicros(child.process.pid);
    const result = await load(target, duration, options);
    const after = cpuMicros(child.process.pid);
    runs[which].rps += result.requests.average / rounds;
    runs[which].requests += result.requests.total;
    if (before !== undefined && after !== undefined) runs[which].cpu += after - before;
    return result;
  };
  for (let round = 0; round < rounds; round++) {
    await measure("hello", hello, hello.url);
    const t = await measure("tessera", tessera, url, init);
    latency = { p50: t.latency.p50, p99: t.latency.p99 };
  }
  const perRequest = (w: keyof typeof runs) =>
    runs[w].cpu ? `   ${(runs[w].cpu / runs[w].requests).toFixed(1)} µs CPU/req` : "";
  const ratio = runs.tessera.rps / runs.hello.rps;
  console.log(
    `  hono hello world      GET /           ${runs.hello.rps.toFixed(0).padStart(6)} req/s${perRequest("hello")}`,
  );
  console.log(
    `  tessera (sqlite)      POST …/token    ${runs.tessera.rps.toFixed(0).padStart(6)} req/s${perRequest("tessera")}` +
      `   p50 ${latency.p50} ms, p99 ${latency.p99} ms`,
  );
  console.log(`  ratio ${ratio.toFixed(2)} (target ≥ ${TARGET}) ${ratio >= TARGET ? "ok" : "BELOW TARGET"}`);
  if (runs.hello.cpu && runs.tessera.cpu) {
    const cpuRatio = runs.hello.cpu / runs.hello.requests / (runs.tessera.cpu / runs.tessera.requests);
    console.log(`  CPU-cost ratio ${cpuRatio.toFixed(2)} (hello world's CPU per request / the token endpoint's)`);
  }
  // Every token needs one Ed25519 signature: measured here, it bounds the ratio any implementation
  // can reach against a hello world, whatever the database work around it.
  const signature = signatureMicros();
  const helloCpu = runs.hello.cpu / runs.hello.requests;
  console.log(
    `  one Ed25519 signature alone: ${signature.toFixed(1)} µs` +
      (helloCpu ? ` (${(signature / helloCpu).toFixed(1)} hello-world requests' CPU)` : ""),
  );
} finally {
  for (const child of children) await child.stop();
  rmSync(dir, { recursive: true, force: true });
}
