import { createLogger } from "../packages/server/src/logger.ts";
import { createTestApp, createTestTenant } from "../packages/server/test/harness.ts";

const N = Number(process.env.N ?? 3000);
const logger = createLogger("info");
const ctx = await createTestApp({ logger });
// use a real clock: ManualClock is fine too
const acme = await createTestTenant(ctx, "bench");
const api = acme.api;
const H = { authorization: `Bearer ${acme.keys.development}`, "x-tn": "bench" };
const post = async (p: string, b: unknown) => { const r = await api("POST", p, b); if (r.status !== 201) throw new Error(p + JSON.stringify(r.body)); return r.body; };
await post("/v1/entitlements", { key: "export-pdf", name: "Export PDF", kind: "flag" });
await post("/v1/entitlements", { key: "support", name: "Support", kind: "tier", levels: ["basic", "priority"] });
await post("/v1/entitlements", { key: "api-calls", name: "API calls", kind: "quota", period: "month" });
await post("/v1/entitlements", { key: "courses", name: "Courses", kind: "content" });
await post("/v1/storefronts", { key: "web", name: "Web", type: "web" });
const c = await post("/v1/customers", { storefront: "web", external_id: "bench-user", email: "b@example.com", name: "B", country: "DE", metadata: { plan: "pro" } });
for (const g of [{ entitlement: "export-pdf" }, { entitlement: "support", level: "priority" }, { entitlement: "api-calls", limit: 10_000 }, { entitlement: "courses", content: ["intro", "advanced"] }]) await post(`/v1/customers/${c.id}/grants`, { ...g, reason: "bench" });

const cases: Record<string, () => Promise<Response>> = {
  healthz: () => ctx.app.request("/healthz"),
  getCustomer: () => ctx.app.request(`/v1/customers/${c.id}`, { headers: H }),
  getEntitlements: () => ctx.app.request(`/v1/customers/${c.id}/entitlements`, { headers: H }),
  patchCustomer: () => ctx.app.request(`/v1/customers/${c.id}`, { method: "PATCH", headers: { ...H, "content-type": "application/json" }, body: JSON.stringify({ name: "X" }) }),
  postToken: () => ctx.app.request(`/v1/customers/${c.id}/entitlements/token`, { method: "POST", headers: H }),
  postTokenBody: () => ctx.app.request(`/v1/customers/${c.id}/entitlements/token`, { method: "POST", headers: { ...H, "content-type": "application/json" }, body: "{}" }),
};
const scope = acme.scopes.development;
const direct: Record<string, () => Promise<unknown>> = {
  issueToken: () => ctx.services.entitlements.issueToken(scope, c.id, {}),
  resolve: () => ctx.services.entitlements.resolve(scope, c.id),
  authenticate: () => ctx.services.auth.authenticate(acme.keys.development),
  getCustomerSvc: () => ctx.services.customers.getCustomer(scope, c.id),
};
const only = process.argv[2]?.split(",");
for (const [name, fn] of [...Object.entries(cases), ...Object.entries(direct)]) {
  if (only && !only.includes(name)) continue;
  const r = await fn();
  if (r instanceof Response && r.status >= 300) throw new Error(name + " " + r.status + (await r.text()));
  if (r instanceof Response) await r.text();
  for (let i = 0; i < 500; i++) { const x = await fn(); if (x instanceof Response) await x.text(); }
  const runs = [];
  for (let k = 0; k < 5; k++) {
    const t = performance.now();
    for (let i = 0; i < N; i++) { const x = await fn(); if (x instanceof Response) await x.text(); }
    runs.push(((performance.now() - t) / N) * 1000);
  }
  runs.sort((a, b) => a - b);
  console.error(`${name.padEnd(16)} ${runs[1].toFixed(1)} µs (min ${runs[0].toFixed(1)})`);
}
await ctx.close();
