import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { cpuMicros, ROOT, startChild, tesseraCli } from "./lib/processes.js";

const which = process.argv[2] ?? "customer"; // customer | token | entitlements | patch | healthz
const seconds = Number(process.argv[3] ?? 8);
const profDir = process.argv[4] ?? "/tmp/prof/out";
const dir = mkdtempSync(join(tmpdir(), "tessera-prof-"));
const env = { DATABASE_URL: `sqlite:${join(dir, "bench.db")}` };
tesseraCli(["migrate"], env);
const tenant = JSON.parse(tesseraCli(["tenant", "create", "bench", "--json"], env));
const key = tenant.api_keys.find((k: any) => k.environment === "development")!.secret;
const nodeArgs = process.env.NOPROF ? [] : ["--cpu-prof", `--cpu-prof-dir=${profDir}`, "--cpu-prof-interval", "200"];
const tessera = await startChild(
  [...nodeArgs, join(ROOT, "packages/server/bin/tessera.mjs"), "serve", "--port", "0", "--no-demo"],
  { ...env, LOG_LEVEL: "info", NODE_ENV: "production", TESSERA_MASTER_KEY: "b".repeat(40) },
  (out) => /Tessera is running at (http:\/\/\S+)/.exec(out)?.[1],
  join(dir, "tessera.log"),
);
const url = tessera.url;
const H = { authorization: `Bearer ${key}`, "x-tn": "bench", "content-type": "application/json" };
const post = async (path: string, body: unknown) => {
  const res = await fetch(`${url}${path}`, { method: "POST", headers: H, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
};
await post("/v1/entitlements", { key: "export-pdf", name: "Export PDF", kind: "flag" });
await post("/v1/entitlements", { key: "support", name: "Support", kind: "tier", levels: ["basic", "priority"] });
await post("/v1/entitlements", { key: "api-calls", name: "API calls", kind: "quota", period: "month" });
await post("/v1/entitlements", { key: "courses", name: "Courses", kind: "content" });
await post("/v1/storefronts", { key: "web", name: "Web", type: "web" });
const customer = await post("/v1/customers", { storefront: "web", external_id: "bench-user", email: "b@example.com", name: "B", country: "DE", metadata: { plan: "pro" } });
for (const g of [
  { entitlement: "export-pdf" },
  { entitlement: "support", level: "priority" },
  { entitlement: "api-calls", limit: 10_000 },
  { entitlement: "courses", content: ["intro", "advanced"] },
]) await post(`/v1/customers/${customer.id}/grants`, { ...g, reason: "bench" });
const auth = { authorization: H.authorization, "x-tn": "bench" };
const targets: Record<string, any> = {
  customer: { url: `${url}/v1/customers/${customer.id}`, headers: auth },
  entitlements: { url: `${url}/v1/customers/${customer.id}/entitlements`, headers: auth },
  token: { url: `${url}/v1/customers/${customer.id}/entitlements/token`, method: "POST", headers: auth },
  tokenbody: { url: `${url}/v1/customers/${customer.id}/entitlements/token`, method: "POST", headers: H, body: JSON.stringify({ ttl_seconds: 600 }) },
  patch: { url: `${url}/v1/customers/${customer.id}`, method: "PATCH", headers: H, body: JSON.stringify({ name: "X" }) },
  healthz: { url: `${url}/healthz` },
};
const t = targets[which];
await autocannon({ ...t, connections: 10, duration: 2 });
const before = cpuMicros(tessera.process.pid)!;
const r = await autocannon({ ...t, connections: 10, duration: seconds });
const after = cpuMicros(tessera.process.pid)!;
console.log(`${which}: ${r.requests.average} req/s, ${((after - before) / r.requests.total).toFixed(1)} µs CPU/req, non2xx ${r.non2xx} errors ${r.errors}`);
await tessera.stop();
