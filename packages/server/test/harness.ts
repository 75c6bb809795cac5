import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pino from "pino";
import { createApp } from "../src/app.js";
import type { Deps, Scope } from "../src/context.js";
import type { Access } from "../src/db/access.js";
import { connectDatabase, type DatabaseHandle, type DialectName } from "../src/db/connect.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { ManualClock } from "../src/lib/clock.js";
import { randomSecret, SecretBox } from "../src/lib/crypto.js";
import { provisionTenant } from "../src/modules/tenancy/provision.js";

export const dialect: DialectName = process.env.TESSERA_TEST_DIALECT === "postgres" ? "postgres" : "sqlite";

/**
 * A fresh, migrated database for one test: a real SQLite file in a temp folder, or a schema of
 * its own in the test Postgres server.
 */
export async function testDatabase(fallback: Access = { kind: "system" }): Promise<DatabaseHandle> {
  if (dialect === "postgres") {
    const url = process.env.TESSERA_TEST_PG_URL;
    if (!url) throw new Error("TESSERA_TEST_PG_URL is not set: run the postgres project through vitest's global setup");
    const schema = `t_${randomSecret(9)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "x")}`;
    const admin = connectDatabase(url, { poolSize: 1, fallbackAccess: { kind: "owner" } });
    await sql`create schema ${sql.id(schema)}`.execute(admin.db);
    await admin.close();
    // Tests call services and repos directly, outside any request: as system unless they say otherwise.
    const handle = connectDatabase(url, { schema, poolSize: 5, fallbackAccess: fallback });
    await migrateToLatest(handle.db);
    return {
      ...handle,
      async close() {
        await handle.close();
        const cleanup = connectDatabase(url, { poolSize: 1, fallbackAccess: { kind: "owner" } });
        await sql`drop schema ${sql.id(schema)} cascade`.execute(cleanup.db);
        await cleanup.close();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "tessera-test-"));
  const handle = connectDatabase(`sqlite:${join(dir, "test.db")}`);
  await migrateToLatest(handle.db);
  return {
    ...handle,
    async close() {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestContext {
  app: ReturnType<typeof createApp>["app"];
  services: ReturnType<typeof createApp>["services"];
  deps: Deps;
  clock: ManualClock;
  database: DatabaseHandle;
  close(): Promise<void>;
}

/**
 * An app over a fresh database with a manual clock: one line per test file. `options` are the
 * app's own (e.g. `{ webhooks: { allowPrivateAddresses: true } }` for a receiver on 127.0.0.1).
 */
export async function createTestApp(
  overrides: Partial<Deps> = {},
  options: Parameters<typeof createApp>[1] = {},
  fallback?: Access,
): Promise<TestContext> {
  const database = await testDatabase(fallback);
  const clock = new ManualClock("2026-01-01T00:00:00.000Z");
  const deps: Deps = {
    db: database.db,
    dialect: database.dialect,
    clock,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    secrets: new SecretBox("test-master-key-test-master-key-0123456789"),
    baseUrl: "http://tessera.test",
    ...overrides,
  };
  const { app, services } = createApp(deps, options);
  return { app, services, deps, clock, database, close: () => database.close() };
}

export interface TestTenant {
  id: string;
  slug: string;
  keys: Record<string, string>;
  scopes: Record<string, Scope>;
  /** A request helper bound to one environment's key and x-tn. */
  api: ApiClient;
  as(environment: string): ApiClient;
}

/**
 * A JSON response body read loosely in a test: its shape is what the assertions check (and
 * openapi-responses.test.ts validates real bodies against the OpenAPI document). The one
 * deliberate \`any\` outside migrations.
 */
// biome-ignore lint/suspicious/noExplicitAny: test bodies are checked by assertions, not types
export type Json = any;

export interface ApiResult<T = Json> {
  status: number;
  body: T;
  headers: Headers;
}

export type ApiClient = <T = Json>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<ApiResult<T>>;

export function client(ctx: Pick<TestContext, "app">, key: string | undefined, tn: string | undefined): ApiClient {
  return async (method, path, body, headers = {}) => {
    const res = await ctx.app.request(path, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(tn ? { "x-tn": tn } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, body: parsed as Json, headers: res.headers };
  };
}

export async function createTestTenant(ctx: TestContext, slug = "acme"): Promise<TestTenant> {
  const tenant = await provisionTenant(ctx.services, { slug, name: slug });
  const keys = Object.fromEntries(tenant.api_keys.map((k) => [k.environment, k.secret]));
  const scopes = Object.fromEntries(
    tenant.environments.map((e) => [
      e.name,
      { tenantId: tenant.id, tenantSlug: tenant.slug, environmentId: e.id, environment: e.name, clock: ctx.clock },
    ]),
  );
  const as = (env: string) => client(ctx, keys[env], tenant.slug);
  return { id: tenant.id, slug: tenant.slug, keys, scopes, api: as("development"), as };
}
