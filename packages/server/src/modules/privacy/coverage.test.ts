import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestContext } from "../../../test/harness.js";

/**
 * Tables that hold no data about a customer, each with the reason. Every other table must be
 * claimed by a module's privacy handler (modules/<module>/privacy.ts, registered in handlers.ts),
 * so an export finds it and an erasure reaches it. A new table fails this test until it is one or
 * the other.
 */
const NO_CUSTOMER_DATA: Record<string, string> = {
  tenants: "the merchant, not its customers",
  environments: "the merchant's environments",
  platform_keys: "operator credentials",
  api_keys: "merchant credentials",
  rate_limits: "counters keyed by credential or client address, expiring within minutes",
  users: "the merchant's staff and platform operators, not customers",
  memberships: "staff roles",
  user_sessions: "staff sessions",
  invitations: "staff invitations",
  session_signing_keys: "keys signing staff sessions",
  entitlements: "catalog",
  bundles: "catalog",
  bundle_entitlements: "catalog",
  prices: "catalog",
  storefronts: "merchant configuration",
  storefront_bundles: "merchant configuration",
  channel_products: "the vendor product → price map",
  webhook_endpoints: "the merchant's receivers",
  jobs: "payloads name objects by id only; done jobs are not data about anyone",
  signing_keys: "entitlement-token signing keys",
  audit_chain_heads: "the head hash of each tenant's chain",
  audit_keys: "checkpoint signing keys",
  audit_checkpoints: "signatures over (tenant, seq, hash)",
  health: "readiness probe rows",
  retention_policies: "per-environment settings",
  retention_runs: "counts of what a run removed",
  trial_policies: "per-storefront settings",
  coupons: "campaign terms",
  safe_modes: "operator switches",
  password_resets: "staff password reset tokens",
  tenant_roles: "the merchant's custom roles",
  console_setup_tokens: "the operator's first-start link",
  job_clocks: "the queue's copy of each environment's test clock",
  channel_settings: "merchant configuration and vendor credentials",
  invoicing_legal_entities: "the seller (the merchant)",
  invoice_sequences: "numbering counters per series",
  payment_routing: "per-storefront routing settings",
  routing_stats: "acceptance rates per PSP, country and method type",
  price_migrations:
    "the merchant's price change settings and progress; per-customer rows are subscription_price_changes",
  kysely_migration: "migration bookkeeping",
  kysely_migration_lock: "migration bookkeeping",
};

/** Columns that name a customer: a table with one can never be on the list above. */
const CUSTOMER_REFERENCE = /^(customer_id|customer|customer_hint|vendor_customer_id)$/;

describe("privacy handler coverage", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  async function tablesWithColumns(): Promise<Map<string, string[]>> {
    const db = ctx.deps.db;
    const rows =
      ctx.deps.dialect === "postgres"
        ? (
            await sql<{ t: string; c: string }>`
              select table_name as t, column_name as c from information_schema.columns
              where table_schema = current_schema()`.execute(db)
          ).rows
        : (
            await sql<{ t: string; c: string }>`
              select m.name as t, p.name as c from sqlite_master m, pragma_table_info(m.name) p
              where m.type = 'table' and m.name not like 'sqlite_%'`.execute(db)
          ).rows;
    const tables = new Map<string, string[]>();
    for (const { t, c } of rows) tables.set(t, [...(tables.get(t) ?? []), c]);
    return tables;
  }

  it("every table is claimed by a privacy handler or listed as holding no customer data", async () => {
    const coverage = ctx.services.privacy.coverage();
    const tables = await tablesWithColumns();
    expect(tables.size).toBeGreaterThan(30);
    const unclassified = [...tables.keys()].filter((t) => !coverage.has(t as never) && !(t in NO_CUSTOMER_DATA));
    expect(unclassified, "tables with no privacy handler: add one (see privacy/handlers.ts) or list them").toEqual([]);
  });

  it("no table that names a customer is on the no-customer-data list", async () => {
    const tables = await tablesWithColumns();
    const wrong = Object.keys(NO_CUSTOMER_DATA).filter((t) =>
      (tables.get(t) ?? []).some((c) => CUSTOMER_REFERENCE.test(c)),
    );
    expect(wrong).toEqual([]);
  });

  it("handlers claim only tables that exist, each once", async () => {
    const tables = await tablesWithColumns();
    const claimed = [...ctx.services.privacy.coverage().keys()];
    expect(claimed.filter((t) => !tables.has(t))).toEqual([]);
    expect(claimed.filter((t) => t in NO_CUSTOMER_DATA)).toEqual([]);
  });
});
