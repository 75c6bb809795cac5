import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, type SqliteDatabase, type SqliteStatement } from "kysely";
import pg from "pg";
import { type Access, NO_ACCESS } from "./access.js";
import { unavailableCause } from "./errors.js";
import { postgresPool } from "./postgres-pool.js";
import { withRowLevelSecurity } from "./rls.js";
import { GroupCommitSqliteDialect } from "./sqlite-group-commit.js";
import { walCheckpoints } from "./sqlite-wal.js";
import type { Database } from "./types.js";

export type DialectName = "sqlite" | "postgres";

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where it lives, with any password removed: safe to log. */
  description: string;
  close(): Promise<void>;
}

// int8 (bigint, count(*)) arrives as a string by default; amounts and counts stay far below 2^53.
pg.types.setTypeParser(20, (v) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${v} is beyond the safe integer range`);
  return n;
});

/** SQLite's page cache, in MB (see connectDatabase; measured in docs/architecture.md, "renewal bench"). */
export const DEFAULT_SQLITE_CACHE_MB = 8;
/** How much of the SQLite file is read through a memory map, in MB (see connectDatabase). */
export const DEFAULT_SQLITE_MMAP_MB = 1024;

export function dialectOf(url: string): DialectName {
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return "postgres";
  if (url.startsWith("sqlite:") || url === ":memory:") return "sqlite";
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got "${redact(url)}")`);
}

export interface ConnectOptions {
  /** Postgres: a schema to use instead of public (tests give every file its own). */
  schema?: string;
  poolSize?: number;
  /** Postgres: longest wait for a connection, new or from the pool (default 5 s). */
  connectTimeoutMs?: number;
  /** Postgres: longest statement, enforced by the server and, 2 s later, by the client (default 15 s; 0 = none). */
  statementTimeoutMs?: number;
  /** SQLite: how often a PASSIVE checkpoint copies the WAL into the database file (default 1 s; 0 = never). */
  checkpointMs?: number;
  /** SQLite: most memory the page cache may use, in MB (default 8). */
  sqliteCacheMb?: number;
  /** SQLite: how much of the file is read through a memory map, in MB (default 1024; 0 = none). */
  sqliteMmapMb?: number;
  /**
   * Told of errors no caller awaits: an idle pooled connection that the server closed, a failed
   * timed checkpoint. Without a listener pg would crash the process on them.
   */
  onBackgroundError?: (error: unknown, what: string) => void;
  /**
   * Postgres: the access of code that set none (db/access.ts). Default `none`, which sees no tenant
   * row; test harnesses pass `system` so tests may call services and repos directly.
   */
  fallbackAccess?: Access;
  /** Postgres: false connects without the fence (policies apply only to roles they bind). For bench/rls.ts. */
  rowLevelSecurity?: false;
}

/** Opens the database a `DATABASE_URL` names: `sqlite:./data/tessera.db`, `sqlite::memory:`, or `postgres://…`. */
export function connectDatabase(url: string, options: ConnectOptions = {}): DatabaseHandle {
  const dialect = dialectOf(url);
  if (dialect === "sqlite") {
    const path = url === ":memory:" ? ":memory:" : url.slice("sqlite:".length).replace(/^\/\//, "");
    if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
    const sqlite = new SQLite(path === ":memory:" ? ":memory:" : resolve(path));
    sqlite.pragma("busy_timeout = 5000");
    sqlite.pragma("foreign_keys = ON");
    // Freed cells and pages are zeroed, so erased personal data does not linger in the file.
    sqlite.pragma("secure_delete = ON");
    // Transactions run as savepoints of a group (sqlite-group-commit.ts); a savepoint keeps the
    // pages it changes in a statement journal, which in a temp file costs writes of its own.
    sqlite.pragma("temp_store = MEMORY");
    try {
      sqlite.pragma("journal_mode = WAL");
      sqlite.pragma("synchronous = NORMAL");
      // A renewal run and its consumers look up subscriptions, events and audit records all over
      // indexes of hundreds of MB. Through a memory map a page SQLite's cache misses is read from
      // the OS's cache without a read() call each. The page cache itself stays small: every commit
      // asks it to drop pages past the end of the file, and while the file is under 1 GB that
      // request walks the whole cache (a b-tree rebalance parks a page at the 1 GB lock page's
      // number, so the cache believes it holds pages up to there). With 128 MB of cache that walk
      // cost ≈ 8 % of a renewal (docs/architecture.md, "Page cache and memory map"). 8 MB still
      // holds a commit group's dirty pages (32 renewals touch a few hundred) without spilling them.
      // (It reads the schema, so it fails like the two above when the WAL cannot be opened.)
      sqlite.pragma(`cache_size = -${(options.sqliteCacheMb ?? DEFAULT_SQLITE_CACHE_MB) * 1024}`);
      sqlite.pragma(`mmap_size = ${(options.sqliteMmapMb ?? DEFAULT_SQLITE_MMAP_MB) * 1024 * 1024}`);
    } catch (error) {
      // A read-only directory (no room for -wal/-shm): start anyway, so /healthz answers and every
      // query reports the real cause. A database already in WAL mode stays so (the mode is in the
      // file); synchronous and the page cache then have their defaults (FULL: safe and slower;
      // 2 MB) until the next start.
      if (!unavailableCause(error)) throw error;
      options.onBackgroundError?.(error, "sqlite: cannot open the write-ahead log");
    }
    // Checkpoint every ~80 MB of WAL instead of every 4 MB: each checkpoint fsyncs twice and copies
    // pages later commits rewrite anyway (a renewal writes ~35 WAL pages; ≈ 15 % off a renewal run).
    sqlite.pragma("wal_autocheckpoint = 20000");
    // …so a timer checkpoints instead, keeping the database file current (see sqlite-wal.ts).
    const checkpoints = path === ":memory:" ? undefined : walCheckpoints(sqlite, options);
    const database = withStatementCache(sqlite, checkpoints?.afterCommit);
    const db = new Kysely<Database>({
      dialect: new GroupCommitSqliteDialect({ database, sqlite, beforeClose: () => checkpoints?.stop() }),
    });
    return {
      db,
      dialect,
      description: `sqlite:${path}`,
      // Commits what is pending, then checkpoints (beforeClose), then closes.
      close: () => db.destroy(),
    };
  }
  const pool = postgresPool(url, options);
  const max = options.poolSize ?? 10;
  const db = new Kysely<Database>({
    dialect:
      options.rowLevelSecurity === false
        ? new PostgresDialect({ pool })
        : withRowLevelSecurity(
            pool,
            postgresPool(url, { ...options, poolSize: Math.max(2, Math.ceil(max / 4)) }),
            options.fallbackAccess ?? NO_ACCESS,
          ),
  });
  return { db, dialect, description: redact(url), close: () => db.destroy() };
}

/** A commit statement that runs `after` once it has succeeded (a due WAL checkpoint). */
function commitThen(sqlite: SQLite.Database, after: () => void): SqliteStatement {
  const commit = sqlite.prepare("commit");
  return {
    reader: false,
    all: () => [],
    run(parameters) {
      const result = commit.run(parameters);
      after();
      return result;
    },
    *iterate() {},
  };
}

/**
 * Kysely's SQLite driver prepares every statement anew; preparing costs more than running a small
 * indexed query. Statements are keyed by their SQL text (values are bound parameters), so a bounded
 * LRU of them serves every request after the first. Queries are serialised on the one connection,
 * so a cached statement is never in use twice at once.
 */
function withStatementCache(sqlite: SQLite.Database, afterCommit?: () => void, max = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  let commit: SqliteStatement | undefined;
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      if (sql === "commit" && afterCommit) {
        commit ??= commitThen(sqlite, afterCommit);
        return commit;
      }
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = withRowObjects(sqlite.prepare(sql));
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

/**
 * Rows of a statement that returns data, built by a function made for its columns. better-sqlite3
 * makes each row object in C++ one property at a time, which costs about as much as running a small
 * indexed query (a quarter of a request's database time for a customer's grants); it is asked for
 * arrays instead (`raw`) and they become objects of one fixed shape. The objects are the same:
 * the columns in order, as own properties, a later column of the same name winning.
 */
function withRowObjects(stmt: SQLite.Statement): SqliteStatement {
  if (!stmt.reader) return stmt;
  const names = stmt.columns().map((column) => column.name);
  // A column named __proto__ would set the prototype of an object literal; keep the driver's rows.
  if (names.includes("__proto__")) return stmt;
  const fields = names.map((name, i) => `${JSON.stringify(name)}: r[${i}]`).join(", ");
  const toRow = new Function("r", `return { ${fields} };`) as (values: unknown[]) => unknown;
  stmt.raw(true);
  return {
    reader: true,
    all(parameters) {
      const rows = stmt.all(parameters) as unknown[];
      for (let i = 0; i < rows.length; i++) rows[i] = toRow(rows[i] as unknown[]);
      return rows;
    },
    run: (parameters) => stmt.run(parameters),
    *iterate(parameters) {
      for (const values of stmt.iterate(parameters)) yield toRow(values as unknown[]);
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
