import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Scope } from "./context.js";
import { provisionTenant } from "./modules/tenancy/provision.js";
import type { Runtime } from "./runtime.js";
import type { Services } from "./services.js";

export interface DemoTenant {
  tenant: { id: string; slug: string };
  keys: Record<string, string>;
  /** true when this start created it (the keys were just made). */
  created: boolean;
  keysFile: string | undefined;
}

const DEMO_SLUG = "demo";

/**
 * On first start, a `demo` tenant with one key per environment and a small catalog, so the API can
 * be tried at once. The secrets are written next to a SQLite database (never on Postgres, never in
 * production) because they cannot be shown again.
 */
export async function ensureDemoTenant(services: Services, runtime: Runtime): Promise<DemoTenant | undefined> {
  const { config } = runtime;
  const keysFile = keysFileFor(config.DATABASE_URL, config.NODE_ENV);
  const existing = await services.tenancy.find(DEMO_SLUG);
  if (existing) {
    const saved =
      keysFile && existsSync(keysFile) ? (JSON.parse(readFileSync(keysFile, "utf8")) as DemoTenant) : undefined;
    return { tenant: { id: existing.id, slug: existing.slug }, keys: saved?.keys ?? {}, created: false, keysFile };
  }
  const tenant = await provisionTenant(services, { slug: DEMO_SLUG, name: "Demo tenant" });
  const keys = Object.fromEntries(tenant.api_keys.map((k) => [k.environment, k.secret]));
  const dev = tenant.environments.find((e) => e.name === "development");
  if (dev) {
    await seedDemoCatalog(services, {
      tenantId: tenant.id,
      tenantSlug: tenant.slug,
      environmentId: dev.id,
      environment: dev.name,
      clock: runtime.deps.clock,
    });
  }
  const demo: DemoTenant = { tenant: { id: tenant.id, slug: tenant.slug }, keys, created: true, keysFile };
  if (keysFile) writeFileSync(keysFile, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  return demo;
}

function keysFileFor(databaseUrl: string, nodeEnv: string): string | undefined {
  if (nodeEnv === "production" || !databaseUrl.startsWith("sqlite:")) return undefined;
  const path = databaseUrl.slice("sqlite:".length);
  if (path === ":memory:") return undefined;
  return join(dirname(resolve(path)), "demo-tenant.json");
}

async function seedDemoCatalog(services: Services, scope: Scope) {
  const { catalog } = services;
  await catalog.createEntitlement(scope, { key: "export-pdf", name: "Export to PDF", kind: "flag" });
  await catalog.createEntitlement(scope, {
    key: "support",
    name: "Support level",
    kind: "tier",
    levels: ["basic", "priority"],
  });
  await catalog.createEntitlement(scope, { key: "api-calls", name: "API calls", kind: "quota", period: "month" });
}
