import { type RawBuilder, sql } from "kysely";
import type { DialectName } from "./connect.js";

/*
 * Where the two dialects differ at run time, in one place (migrations branch on the dialect inside
 * themselves). Services and repos call these instead of testing the dialect or an error code.
 */

/** A unique or primary-key constraint refused the write, in either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const code = (error as { code?: unknown }).code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/**
 * The row lock of a claim: on Postgres `FOR UPDATE OF <alias> SKIP LOCKED`, so concurrent workers
 * each take different rows without waiting; nothing on SQLite, whose single writer serialises claims.
 */
export function skipLocked(dialect: DialectName, alias: string): RawBuilder<unknown> {
  return dialect === "postgres" ? sql`for update of ${sql.id(alias)} skip locked` : sql``;
}
