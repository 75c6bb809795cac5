import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../postgres.js";
import { http, type Served, serve, tessera, tesseraJson, waitForOutput } from "./cli.js";

/*
 * The real CLI in child processes, over real HTTP: what a user does after the README's quickstart.
 * Runs on SQLite and on a Postgres started here (or the one TESSERA_TEST_PG_URL names).
 */

let postgres: TestPostgres | undefined;
let pgUrl = process.env.TESSERA_TEST_PG_URL;
const dir = mkdtempSync(join(tmpdir(), "tessera-e2e-"));

beforeAll(async () => {
  if (!pgUrl) {
    postgres = await startTestPostgres();
    pgUrl = postgres.url;
  }
});
afterAll(() => {
  postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A database of its own for one walk. */
async function databaseUrl(dialect: "sqlite" | "postgres", name: string): Promise<string> {
  if (dialect === "sqlite") return `sqlite:${join(dir, name, "tessera.db")}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(pgUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

describe.each(["sqlite", "postgres"] as const)("tessera CLI on %s", (dialect) => {
  let env: Record<string, string>;
  let server: Served;
  let platformKey: { id: string; secret: string };
  let acme: { id: string; slug: string; api_keys: Array<{ environment: string; secret: string }> };

  beforeAll(async () => {
    env = { DATABASE_URL: await databaseUrl(dialect, `e2e_${dialect}`) };
    // On SQLite a development master key is generated next to the database file; Postgres has no
    // such place, so it gets one the way production would.
    if (dialect === "postgres") env.TESSERA_MASTER_KEY = "e2e-master-key-e2e-master-key-0123456789";
  });
  afterAll(async () => {
    await server?.stop("SIGKILL");
  });

  it("migrates, makes a platform key and a tenant with one key per environment", () => {
    const first = tessera(["migrate"], env);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^applied: 2026-/);
    const again = tessera(["migrate"], env);
    expect(again.stdout.trim()).toBe("the database is up to date");

    platformKey = tesseraJson(["platform-key", "create", "--name", "e2e"], env);
    expect(platformKey.secret).toMatch(/^tpk_/);
    acme = tesseraJson(["tenant", "create", "acme", "--name", "Acme Inc"], env);
    expect(acme.slug).toBe("acme");
    expect(acme.api_keys.map((k) => k.environment).sort()).toEqual(["development", "production", "staging"]);
    for (const key of acme.api_keys) expect(key.secret).toMatch(new RegExp(`^tsk_${key.environment}_`));

    const dup = tessera(["tenant", "create", "acme"], env);
    expect(dup.status).not.toBe(0);
    expect(dup.stderr).toContain('"acme" exists');
    const bad = tessera(["tenant", "create", "Not A Slug"], env);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("slug");
    expect(tesseraJson<Array<{ slug: string }>>(["tenant", "list"], env).map((t) => t.slug)).toEqual(["acme"]);
  });

  it("serves: the banner names the URL, the API reference and the demo tenant's keys", async () => {
    server = await serve([], env);
    const banner = server.output.stderr;
    expect(banner).toContain(`Tessera is running at ${server.url}`);
    expect(banner).toContain(`${server.url}/docs`);
    expect(banner).toContain(`${server.url}/openapi.json`);
    expect(banner).toMatch(/Demo tenant: +demo \(ten_\w+\) — created now/);
    for (const envName of ["development", "staging", "production"]) {
      expect(banner).toMatch(new RegExp(`${envName} +tsk_${envName}_`));
    }
    // Logs are JSON lines on stdout.
    await waitForOutput(server, "stdout", '"msg":"tessera listening"');
    const listening = server.output.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "tessera listening");
    expect(listening).toMatchObject({ url: server.url, level: 30 });

    const demoKey = /development +(tsk_development_\S+)/.exec(banner)![1]!;
    const demo = http(server.url, demoKey, "demo");
    const ents = await demo("GET", "/v1/entitlements");
    expect(ents.status).toBe(200);
    expect(ents.body.data.map((e: { key: string }) => e.key)).toContain("export-pdf");
  });

  it("answers health checks, the OpenAPI document and the reference page", async () => {
    expect((await http(server.url)("GET", "/healthz")).body).toEqual({ status: "ok" });
    expect((await http(server.url)("GET", "/readyz")).body).toEqual({ status: "ok", database: dialect });
    const doc = await http(server.url)("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths)).toContain("/v1/entitlements");
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("/openapi.json");
    expect((await fetch(`${server.url}/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
  });

  it("walks the catalog over HTTP: entitlements, a bundle with prices, a storefront, a customer", async () => {
    const api = http(server.url, acme.api_keys.find((k) => k.environment === "development")!.secret, "acme");
    for (const body of [
      { key: "export-pdf", name: "Export to PDF", kind: "flag" },
      { key: "support", name: "Support", kind: "tier", levels: ["basic", "priority"] },
      { key: "api-calls", name: "API calls", kind: "quota", period: "month" },
    ]) {
      expect((await api("POST", "/v1/entitlements", body)).status).toBe(201);
    }
    const bundle = await api("POST", "/v1/bundles", {
      key: "pro",
      name: "Pro",
      entitlements: [{ key: "export-pdf" }, { key: "support", level: "priority" }, { key: "api-calls", limit: 1000 }],
      prices: [
        { currency: "EUR", amount: 999, interval: "month", trial_days: 14 },
        { currency: "EUR", amount: 9990, interval: "year" },
      ],
    });
    expect(bundle.status, JSON.stringify(bundle.body)).toBe(201);
    expect(bundle.body.prices.map((p: { amount: number }) => p.amount)).toEqual([999, 9990]);
    const price = await api("GET", `/v1/prices/${bundle.body.prices[0].id}`);
    expect(price.body).toMatchObject({ object: "price", currency: "EUR", amount: 999, trial_days: 14 });

    const store = await api("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web", bundles: ["pro"] });
    expect(store.status, JSON.stringify(store.body)).toBe(201);
    expect(store.body.bundles).toEqual([bundle.body.id]);

    const customerBody = { storefront: "web", external_id: "user-1", email: "ada@example.com", country: "DE" };
    const headers = { "idempotency-key": "create-user-1" };
    const customer = await api("POST", "/v1/customers", customerBody, headers);
    expect(customer.status, JSON.stringify(customer.body)).toBe(201);
    const replay = await api("POST", "/v1/customers", customerBody, headers);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.id).toBe(customer.body.id);
    const reused = await api("POST", "/v1/customers", { ...customerBody, external_id: "user-2" }, headers);
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect((await api("GET", `/v1/customers/${customer.body.id}`)).body.email).toBe("ada@example.com");
    expect((await api("GET", "/v1/customers")).body.data).toHaveLength(1);
  });

  it("paginates, validates and isolates over HTTP", async () => {
    const api = http(server.url, acme.api_keys.find((k) => k.environment === "development")!.secret, "acme");
    const first = await api("GET", "/v1/entitlements?limit=2");
    expect(first.body).toMatchObject({ object: "list", has_more: true });
    const second = await api("GET", `/v1/entitlements?limit=2&starting_after=${first.body.next_cursor}`);
    expect(second.body).toMatchObject({ has_more: false });
    const keys = [...first.body.data, ...second.body.data].map((e: { key: string }) => e.key);
    expect(keys.sort()).toEqual(["api-calls", "export-pdf", "support"]);

    const bad = await api("POST", "/v1/bundles", {
      key: "Bad Key",
      name: "",
      prices: [{ currency: "eur", amount: -1 }],
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect(bad.body.code).toBe("VALIDATION_FAILED");
    expect(bad.body.request_id).toBe(bad.headers.get("x-request-id"));
    expect(bad.body.errors.length).toBeGreaterThanOrEqual(3);

    expect((await http(server.url, undefined, "acme")("GET", "/v1/customers")).status).toBe(401);
    const demoKey = /development +(tsk_development_\S+)/.exec(server.output.stderr)![1]!;
    expect((await http(server.url, demoKey, "acme")("GET", "/v1/customers")).status).toBe(403);
    const prod = http(server.url, acme.api_keys.find((k) => k.environment === "production")!.secret, "acme");
    expect((await prod("GET", "/v1/customers")).body.data).toEqual([]);

    const platform = http(server.url, platformKey.secret);
    const tenants = await platform("GET", "/v1/tenants");
    expect(tenants.body.data.map((t: { slug: string }) => t.slug).sort()).toEqual(["acme", "demo"]);
  });

  it("shuts down cleanly on SIGTERM, and a restart keeps the demo tenant", async () => {
    const { code, signal } = await server.stop("SIGTERM");
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(server.output.stdout).toContain('"msg":"stopped"');

    server = await serve([], env);
    expect(server.output.stderr).toMatch(/Demo tenant: +demo \(ten_\w+\)\n/);
    expect(server.output.stderr).not.toContain("created now");
    const { code: again } = await server.stop("SIGINT");
    expect(again).toBe(0);
  });
});

describe("configuration errors", () => {
  const cases: Array<[string, Record<string, string>, string[], RegExp]> = [
    ["PORT=abc", { PORT: "abc" }, [], /PORT \/ --port: must be a port number from 0 to 65535 \(got "abc"\)/],
    ["--port 70000", {}, ["--port", "70000"], /PORT \/ --port: must be a port number/],
    ["DATABASE_URL=mysql://x", { DATABASE_URL: "mysql://x" }, [], /DATABASE_URL \/ --database-url: must be sqlite:/],
    ["LOG_LEVEL=loud", { LOG_LEVEL: "loud" }, [], /LOG_LEVEL \/ --log-level: must be one of fatal, error/],
    ["a short master key", { TESSERA_MASTER_KEY: "short" }, [], /TESSERA_MASTER_KEY: must be at least 32 characters/],
  ];
  it.each(cases)("%s exits 2 with a clear message", (_, env, args, message) => {
    const res = tessera(["serve", ...args], { DATABASE_URL: `sqlite:${join(dir, "config", "t.db")}`, ...env });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/^Invalid configuration:/);
    expect(res.stderr).toMatch(message);
    expect(res.stderr, "no stack trace").not.toMatch(/\n\s+at /);
  });

  it("refuses to start in production without a master key", () => {
    const res = tessera(["serve"], { NODE_ENV: "production", DATABASE_URL: `sqlite:${join(dir, "prod", "t.db")}` });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain("TESSERA_MASTER_KEY (or TESSERA_MASTER_KEY_FILE) is required");
  });
});
