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
  const { catalog, storefronts, customers } = services;
  await catalog.createEntitlement(scope, { key: "export-pdf", name: "Export to PDF", kind: "flag" });
  await catalog.createEntitlement(scope, {
    key: "support",
    name: "Support level",
    kind: "tier",
    levels: ["basic", "priority"],
  });
  await catalog.createEntitlement(scope, { key: "api-calls", name: "API calls", kind: "quota", period: "month" });
  // A bundle sold by a storefront with one customer: enough to start a subscription from the quickstart.
  await catalog.createBundle(scope, {
    key: "pro",
    name: "Pro",
    entitlements: [{ key: "export-pdf" }, { key: "support", level: "priority" }, { key: "api-calls", limit: 10_000 }],
    prices: [
      {
        currency: "EUR",
        amount: 999,
        interval: "month",
        interval_count: 1,
        trial_days: 14,
        nickname: "Monthly",
        tax_code: "electronic_service",
      },
      {
        currency: "EUR",
        amount: 9990,
        interval: "year",
        interval_count: 1,
        trial_days: 0,
        nickname: "Yearly",
        tax_code: "electronic_service",
      },
    ],
  });
  await storefronts.createStorefront(scope, {
    key: "web",
    name: "Web shop",
    type: "web",
    bundles: ["pro"],
    channels: ["direct"],
    payment_providers: [{ name: "sandbox" }],
    fiscal_provider: null,
  });
  await customers.createCustomer(scope, { storefront: "web", external_id: "demo-user", name: "Demo user" });
}
