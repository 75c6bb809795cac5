import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, dialect, type TestContext, type TestTenant } from "../../../test/harness.js";
import { created, setupCatalog } from "./test-setup.js";

/*
 * Quota consumption is atomic across processes, not only across the requests of one process: on
 * SQLite each process has its own connection to the file, so one process's read can be stale by
 * the time it writes. PROCESSES real processes (test/quota-consumer.ts), each with its own app and
 * connection, send consuming checks at once against one customer's limit: exactly LIMIT are
 * allowed, every other one is a clean QUOTA_EXCEEDED (no error), and the books agree.
 */

const SERVER = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const PROCESSES = 3;
const TRIES = 50;
const LIMIT = 100;
const AT = "2026-01-14T10:00:00.000Z";

describe("consuming checks from several processes at once", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    ctx = await createTestApp();
    ctx.clock.set(AT);
    acme = await createTestTenant(ctx);
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    await ctx.close();
  });

  /** Where the children find this test's database. */
  async function location(): Promise<Record<string, string>> {
    if (dialect === "postgres") {
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(ctx.deps.db);
      return { QUOTA_DB_URL: process.env.TESSERA_TEST_PG_URL!, QUOTA_DB_SCHEMA: rows[0]!.schema };
    }
    const { rows } = await sql<{ name: string; file: string }>`pragma database_list`.execute(ctx.deps.db);
    return { QUOTA_DB_URL: `sqlite:${rows.find((r) => r.name === "main")!.file}` };
  }

  function consumer(env: Record<string, string>) {
    const child = spawn(process.execPath, ["--import", "tsx", join(SERVER, "test/quota-consumer.ts")], {
      cwd: SERVER,
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    children.push(child);
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => {
      out += String(d);
    });
    child.stderr!.on("data", (d) => {
      err += String(d);
    });
    const ready = new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (out.includes("ready\n")) {
          clearInterval(poll);
          resolve();
        } else if (child.exitCode !== null) {
          clearInterval(poll);
          reject(new Error(`consumer exited before it was ready: ${err}`));
        }
      }, 5);
    });
    const result = new Promise<{ allowed: number; refused: number; errors: string[] }>((resolve, reject) => {
      child.once("exit", (code) => {
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (code !== 0 || !line) reject(new Error(`consumer exited ${code}: ${err}`));
        else resolve(JSON.parse(line));
      });
    });
    return { child, ready, result };
  }

  it(`allows exactly the limit when ${PROCESSES} processes consume ${PROCESSES * TRIES} times against ${LIMIT}`, async () => {
    const storefront = (await setupCatalog(acme.api)).storefront.id;
    const customer = await created<{ id: string }>(acme.api, "/v1/customers", { storefront, external_id: "many" });
    await created(acme.api, `/v1/customers/${customer.id}/grants`, {
      reason: "test",
      entitlement: "api-calls",
      limit: LIMIT,
    });
    const env = {
      ...(await location()),
      QUOTA_AT: AT,
      QUOTA_KEY: acme.keys.development!,
      QUOTA_TN: acme.slug,
      QUOTA_CUSTOMER: customer.id,
      QUOTA_ENTITLEMENT: "api-calls",
      QUOTA_TRIES: String(TRIES),
    };
    const consumers = Array.from({ length: PROCESSES }, () => consumer(env));
    await Promise.all(consumers.map((c) => c.ready));
    for (const c of consumers) c.child.stdin!.write("go\n");
    const results = await Promise.all(consumers.map((c) => c.result));

    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(results.reduce((n, r) => n + r.allowed, 0)).toBe(LIMIT);
    expect(results.reduce((n, r) => n + r.refused, 0)).toBe(PROCESSES * TRIES - LIMIT);
    // The processes really overlapped: more than one of them got some of the limit.
    expect(results.filter((r) => r.allowed > 0).length).toBeGreaterThan(1);
    const quota = (await acme.api("GET", `/v1/customers/${customer.id}/entitlements`)).body.entitlements.find(
      (e: { key: string }) => e.key === "api-calls",
    );
    expect(quota).toMatchObject({ limit: LIMIT, used: LIMIT, remaining: 0 });
    const records = await ctx.deps.db
      .selectFrom("usage_records")
      .select((eb) => eb.fn.sum<number>("quantity").as("n"))
      .where("customer_id", "=", customer.id)
      .where("source", "=", "check")
      .executeTakeFirstOrThrow();
    expect(Number(records.n)).toBe(LIMIT);
  }, 120_000);
});
