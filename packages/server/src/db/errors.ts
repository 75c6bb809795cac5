/**
 * Which database errors mean "the database is unavailable" (lost connection, timeout, full or
 * read-only storage, a standby that refuses writes) rather than a bug or a bad request. Those are
 * answered 503 UNAVAILABLE with Retry-After and logged with their real cause; callers may retry.
 * One list for both drivers, so every place that reports an outage agrees on what one is.
 */

/** Node socket and DNS errors seen while connecting to or talking with Postgres. */
const NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * Postgres SQLSTATEs: class 08 (connection exception) is matched by prefix; 57P01–57P03 are
 * admin/crash shutdown and "cannot connect now" (starting, recovering); 53300 too many
 * connections; 53100 disk full; 57014 statement timeout (or a cancel); 25006 a read-only
 * transaction, which is what a demoted primary or a standby answers after a failover.
 */
const PG_CODES = new Set(["57P01", "57P02", "57P03", "53300", "53100", "57014", "25006"]);

/** SQLite result codes (better-sqlite3 names them, extended codes share the prefix). */
const SQLITE_PREFIXES = ["SQLITE_BUSY", "SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN"];

/** Errors node-postgres and pg-pool raise without a code. */
const PG_MESSAGES = [
  "timeout exceeded when trying to connect",
  "Connection terminated",
  "Query read timeout",
  "Client has encountered a connection error and is not queryable",
  "Client was closed and is not queryable",
  "Cannot use a pool after calling end on the pool",
];

/** Raised by our own bounded waits (readiness), so it classifies like a driver timeout. */
export class DatabaseTimeoutError extends Error {
  override name = "DatabaseTimeoutError";
  readonly code = "DB_TIMEOUT";
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
  }
}

/**
 * The code naming why the database is unavailable (`ECONNREFUSED`, `57P01`, `SQLITE_FULL`,
 * `timeout exceeded when trying to connect` …), or undefined when the error is not an outage.
 * Looks through `cause` chains and AggregateError (a host name resolving to several addresses).
 */
export function unavailableCause(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== "object" || depth > 5) return undefined;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof e.code === "string" ? e.code : undefined;
  if (code) {
    if (NODE_CODES.has(code) || PG_CODES.has(code) || code.startsWith("08") || code === "DB_TIMEOUT") return code;
    if (SQLITE_PREFIXES.some((prefix) => code.startsWith(prefix))) return code;
  }
  const message = typeof e.message === "string" ? e.message : "";
  const known = PG_MESSAGES.find((m) => message.includes(m));
  if (known) return known;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const found = unavailableCause(inner, depth + 1);
      if (found) return found;
    }
  }
  return unavailableCause(e.cause, depth + 1);
}

/** Resolves like `work`, or rejects with DatabaseTimeoutError after `ms` (the work is not cancelled). */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeoutError(what, ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
