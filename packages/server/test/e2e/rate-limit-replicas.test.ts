import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../postgres.js";
import { http, type Served, serve, tessera, tesseraJson } from "./cli.js";

/*
 * Two replicas of `tessera serve` on one Postgres draw from one rate-limit budget: a key limited to
 * 10 reads a minute gets 10 answers in all, whichever replica it asks. (On SQLite, one node, the
 * counters live in memory; that dialect adds nothing here.)
 */

let postgres: TestPostgres | undefined;
let url: string;
const replicas: Served[] = [];

beforeAll(async () => {
  let base = process.env.TESSERA_TEST_PG_URL;
  if (!base) {
    postgres = await startTestPostgres();
    base = postgres.url;
  }
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query("create database e2e_rate_limits");
  await admin.end();
  const u = new URL(base);
  u.pathname = "/e2e_rate_limits";
  url = u.toString();
});

afterAll(async () => {
  for (const replica of replicas) await replica.stop("SIGKILL");
  postgres?.stop();
});

describe("rate limits shared by two replicas on one Postgres", () => {
  it("allows a key exactly its budget across both replicas", async () => {
    const env = {
      DATABASE_URL: url,
      TESSERA_MASTER_KEY: "e2e-master-key-e2e-master-key-0123456789",
      TESSERA_RATE_LIMIT_READ: "10",
      LOG_LEVEL: "warn",
    };
    expect(tessera(["migrate"], env).status).toBe(0);
    const acme = tesseraJson<{ api_keys: Array<{ environment: string; secret: string }> }>(
      ["tenant", "create", "acme"],
      env,
    );
    const key = acme.api_keys.find((k) => k.environment === "development")!.secret;
    replicas.push(await serve(["--no-demo", "--no-worker"], env), await serve(["--no-demo", "--no-worker"], env));
    const [a, b] = replicas.map((r) => http(r.url, key, "acme"));

    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await a!("GET", "/v1/entitlements")).status);
    for (let i = 0; i < 8; i++) statuses.push((await b!("GET", "/v1/entitlements")).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    // The second replica had spent nothing itself: it refused because the first had.
    expect(statuses.slice(8)).toEqual([200, 200, 429, 429, 429, 429, 429, 429]);
    const refused = await b!("GET", "/v1/entitlements");
    expect(refused.body.code).toBe("RATE_LIMITED");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
