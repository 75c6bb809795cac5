import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { sql } from "kysely";
import pg from "pg";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, dialect } from "../../test/harness.js";
import { startTcpProxy, type TcpProxy } from "../../test/support/tcp-proxy.js";
import { connectDatabase, type DatabaseHandle } from "./connect.js";
import { unavailableCause } from "./errors.js";

/*
 * The drivers under faults, in process, against real databases: what the pool does when Postgres
 * drops, stalls or refuses connections, and what SQLite's errors look like by the time they reach
 * the app. The same failures against the real CLI processes are in test/e2e/faults-*.test.ts.
 */

const until = async (what: string, check: () => boolean | Promise<boolean>, tries = 200) => {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
};

/** What a promise settled to: the error's driver code (as the classifier names it) or "ok". */
const outcome = (work: Promise<unknown>) =>
  work.then(
    () => "ok",
    (error: unknown) => unavailableCause(error) ?? `not an outage: ${(error as Error).message}`,
  );

describe.runIf(dialect === "sqlite")("SQLite errors", () => {
  it("a transaction that SQLite rolled back itself fails with its own error, not Kysely's rollback", async () => {
    const ctx = await createTestApp();
    try {
      // SQLite ends the transaction by itself on SQLITE_FULL or SQLITE_IOERR; this stands for that.
      const failed = ctx.deps.db.transaction().execute(async (tx) => {
        await sql`rollback`.execute(tx);
        throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
      });
      await expect(failed).rejects.toMatchObject({ code: "SQLITE_FULL" });
      // The connection is usable afterwards.
      expect((await sql<{ n: number }>`select 1 as n`.execute(ctx.deps.db)).rows).toEqual([{ n: 1 }]);
    } finally {
      await ctx.close();
    }
  });

  it("a write that hits SQLITE_FULL is answered 503 UNAVAILABLE with Retry-After, the cause logged", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const ctx = await createTestApp({ logger });
    try {
      const tenant = await createTestTenant(ctx);
      expect((await tenant.api("GET", "/v1/customers")).status).toBe(200);
      // The database may not grow past its current size: the next page it needs is "disk full".
      const pages = (await sql<{ page_count: number }>`pragma page_count`.execute(ctx.deps.db)).rows[0]!.page_count;
      await sql.raw(`pragma max_page_count = ${pages}`).execute(ctx.deps.db);
      const statuses = new Set<number>();
      let res: Awaited<ReturnType<typeof tenant.api>> | undefined;
      for (let i = 0; i < 50 && !statuses.has(503); i++) {
        res = await tenant.api("POST", "/v1/webhook-endpoints", {
          url: "https://example.com/hook",
          description: "x".repeat(500),
        });
        statuses.add(res.status);
      }
      expect([...statuses].filter((s) => s !== 201 && s !== 503)).toEqual([]);
      expect(res!.status).toBe(503);
      expect(res!.headers.get("content-type")).toContain("application/problem+json");
      expect(res!.headers.get("retry-after")).toBe("5");
      expect(res!.body).toMatchObject({ code: "UNAVAILABLE", status: 503 });
      const logged = lines.find((l) => l.msg === "database unavailable");
      expect(logged?.cause).toBe("SQLITE_FULL");
      expect(JSON.stringify(lines)).not.toContain("cannot rollback");
      // Reads go on.
      expect((await tenant.api("GET", "/v1/customers")).status).toBe(200);
    } finally {
      await ctx.close();
    }
  });
});

describe.runIf(dialect === "sqlite")("SQLite WAL checkpoints", () => {
  it("keep the database file alone current, also while a drain never yields to timers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-wal-"));
    const handle = connectDatabase(`sqlite:${join(dir, "main.db")}`, { checkpointMs: 100 });
    /** Rows a copy of the database file, without its WAL, holds. */
    const rowsInFileAlone = () => {
      copyFileSync(join(dir, "main.db"), join(dir, "copy.db"));
      const copy = new SQLite(join(dir, "copy.db"), { readonly: true });
      try {
        const table = copy.prepare("select 1 from sqlite_master where name = 't'").get();
        return table ? (copy.prepare("select count(*) as n from t").get() as { n: number }).n : 0;
      } finally {
        copy.close();
      }
    };
    try {
      await sql`create table t (v text)`.execute(handle.db);
      // Like the worker's drain: transaction after transaction, every await a resolved promise.
      const started = performance.now();
      let committed = 0;
      while (performance.now() - started < 400) {
        await handle.db.transaction().execute((tx) => sql`insert into t values ('x')`.execute(tx));
        committed++;
      }
      expect(rowsInFileAlone()).toBeGreaterThan(0);
      // Between requests the timer does it.
      await until("the timer to checkpoint the rest", () => rowsInFileAlone() === committed);
    } finally {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(dialect === "postgres")("the Postgres pool under faults", () => {
  const url = process.env.TESSERA_TEST_PG_URL!;
  const opened: Array<DatabaseHandle | TcpProxy> = [];
  afterAll(async () => {
    for (const h of opened.reverse()) await h.close();
  });

  function open(target: string, options: Parameters<typeof connectDatabase>[1] = {}) {
    const reported: unknown[] = [];
    // The pool under faults, not row-level security: this server has no app role (not migrated).
    const handle = connectDatabase(target, {
      poolSize: 3,
      onBackgroundError: (e) => reported.push(e),
      rowLevelSecurity: false,
      ...options,
    });
    opened.push(handle);
    return { ...handle, reported };
  }

  async function terminate(where: string): Promise<number> {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const { rows } = await admin.query(
        `select pg_terminate_backend(pid) as done from pg_stat_activity where pid <> pg_backend_pid() and ${where}`,
      );
      return rows.length;
    } finally {
      await admin.end();
    }
  }

  it("an idle pooled connection closed by the server is reported, not thrown, and replaced", async () => {
    const db = open(url);
    const marker = `idle_${process.pid}`;
    await sql.raw(`select 1 as ${marker}`).execute(db.db);
    expect(await terminate(`query like '%${marker}%' and state = 'idle'`)).toBe(1);
    await until("the lost connection to be reported", () => db.reported.length > 0);
    expect(unavailableCause(db.reported[0])).toBeDefined();
    expect((await sql<{ n: number }>`select 2 as n`.execute(db.db)).rows).toEqual([{ n: 2 }]);
  });

  it("a busy connection terminated mid-query fails that query as an outage; the next one succeeds", async () => {
    const db = open(url);
    const marker = `busy_${process.pid}`;
    const slow = outcome(sql.raw(`select pg_sleep(30), '${marker}'`).execute(db.db));
    await until("the query to run", async () => (await terminate(`query like '%pg_sleep(30), ''${marker}%'`)) === 1);
    expect(await slow).toBe("57P01");
    expect((await sql<{ n: number }>`select 3 as n`.execute(db.db)).rows).toEqual([{ n: 3 }]);
  });

  it("a transaction whose connection is terminated fails with that cause, not with its failed rollback", async () => {
    const db = open(url);
    const marker = `tx_${process.pid}`;
    const tx = outcome(db.db.transaction().execute((trx) => sql.raw(`select pg_sleep(30), '${marker}'`).execute(trx)));
    await until("the query to run", async () => (await terminate(`query like '%pg_sleep(30), ''${marker}%'`)) === 1);
    expect(await tx).toBe("57P01");
    expect((await sql<{ n: number }>`select 6 as n`.execute(db.db)).rows).toEqual([{ n: 6 }]);
  });

  it("a statement longer than the statement timeout is cancelled by the server (57014)", async () => {
    const db = open(url, { statementTimeoutMs: 200 });
    expect(await outcome(sql`select pg_sleep(5)`.execute(db.db))).toBe("57014");
    expect((await sql<{ n: number }>`select 4 as n`.execute(db.db)).rows).toEqual([{ n: 4 }]);
  });

  it("a statement timeout of 0 is none (migrations connect so)", async () => {
    const limited = open(url, { statementTimeoutMs: 250 });
    const unlimited = open(url, { statementTimeoutMs: 0 });
    const show = async (db: DatabaseHandle) =>
      (await sql<{ statement_timeout: string }>`show statement_timeout`.execute(db.db)).rows[0]!.statement_timeout;
    expect(await show(limited)).toBe("250ms");
    expect(await show(unlimited)).toBe("0");
    expect(await outcome(sql`select pg_sleep(0.5)`.execute(unlimited.db))).toBe("ok");
  });

  it("a refused connection fails at once as an outage", async () => {
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, "127.0.0.1", () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });
    const db = open(`postgres://tessera@127.0.0.1:${closed}/postgres`);
    expect(await outcome(sql`select 1`.execute(db.db))).toBe("ECONNREFUSED");
  });

  it("a stalled network bounds the wait for a new connection and for a query, then recovers", async () => {
    const target = new URL(url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    opened.push(proxy);
    const through = new URL(url);
    through.port = String(proxy.port);
    const db = open(through.toString(), { poolSize: 1, connectTimeoutMs: 300, statementTimeoutMs: 300 });
    await sql`select 1`.execute(db.db);
    proxy.stall();
    // The pooled connection hears nothing back: the client's own timer gives up (statement + 2 s).
    expect(await outcome(sql`select 1`.execute(db.db))).toBe("Query read timeout");
    // That connection was destroyed, not pooled again; a new one cannot get through either (pg-pool
    // or the client itself gives up on the connection timeout, depending on where it is stuck).
    expect(await outcome(sql`select 1`.execute(db.db))).toMatch(
      /^(timeout exceeded when trying to connect|Connection terminated)$/,
    );
    proxy.resume();
    expect((await sql<{ n: number }>`select 5 as n`.execute(db.db)).rows).toEqual([{ n: 5 }]);
  });
});
