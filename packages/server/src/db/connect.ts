import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, type SqliteDatabase, SqliteDialect } from "kysely";
import pg from "pg";
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

export function dialectOf(url: string): DialectName {
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return "postgres";
  if (url.startsWith("sqlite:") || url === ":memory:") return "sqlite";
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got "${redact(url)}")`);
}

export interface ConnectOptions {
  /** Postgres: a schema to use instead of public (tests give every file its own). */
  schema?: string;
  poolSize?: number;
}

/** Opens the database a `DATABASE_URL` names: `sqlite:./data/tessera.db`, `sqlite::memory:`, or `postgres://…`. */
export function connectDatabase(url: string, options: ConnectOptions = {}): DatabaseHandle {
  const dialect = dialectOf(url);
  if (dialect === "sqlite") {
    const path = url === ":memory:" ? ":memory:" : url.slice("sqlite:".length).replace(/^\/\//, "");
    if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
    const sqlite = new SQLite(path === ":memory:" ? ":memory:" : resolve(path));
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("busy_timeout = 5000");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("synchronous = NORMAL");
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    return { db, dialect, description: `sqlite:${path}`, close: () => db.destroy() };
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect, description: redact(url), close: () => db.destroy() };
}

/**
 * Kysely's SQLite driver prepares every statement anew; preparing costs more than running a small
 * indexed query. Statements are keyed by their SQL text (values are bound parameters), so a bounded
 * LRU of them serves every request after the first. Queries are serialised on the one connection,
 * so a cached statement is never in use twice at once.
 */
function withStatementCache(sqlite: SQLite.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
