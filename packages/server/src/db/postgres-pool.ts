import type { PostgresPool, PostgresPoolClient } from "kysely";
import pg from "pg";
import type { ConnectOptions } from "./connect.js";
import { unavailableCause } from "./errors.js";

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;
/**
 * The client gives up this long after the server's statement_timeout would have: the server
 * cancels a slow statement cleanly (57014, the connection stays usable); the client's own timer is
 * for a server that no longer answers at all (a partition), where nothing else would end the wait.
 */
const CLIENT_TIMEOUT_MARGIN_MS = 2000;
/** A transaction left open (its process stalled or cut off) stops holding locks after this. */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * A pg pool that survives the database going away. Every connection error is reported, never
 * thrown as an unhandled 'error' event (which exits the process); a connection that failed is
 * destroyed rather than returned to the pool, so the next request opens a fresh one; and every
 * wait is bounded (connecting, queueing for a connection, each statement).
 */
export function postgresPool(url: string, options: ConnectOptions): PostgresPool {
  const statementTimeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const report = options.onBackgroundError ?? (() => {});
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    // 0: no limit (migrations, which may build an index on a large table).
    ...(statementTimeout > 0
      ? { statement_timeout: statementTimeout, query_timeout: statementTimeout + CLIENT_TIMEOUT_MARGIN_MS }
      : {}),
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    // Lets the kernel notice a peer that vanished without a FIN (a failover, a dropped NAT entry).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client's error reaches both the pool and the client's own listener below; report it once.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", (error) => report(error, "postgres connection lost"));
  });
  const guardedClients = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let guarded = guardedClients.get(client);
      if (!guarded) {
        guarded = guard(client);
        guardedClients.set(client, guarded);
      }
      return guarded;
    },
    end: () => pool.end(),
  };
}

/** A pooled client that is destroyed on release once a query on it failed for want of the server. */
function guard(client: pg.PoolClient): PostgresPoolClient {
  let broken: Error | undefined;
  const query = (...args: unknown[]) => {
    // The server ended the transaction with the connection; Kysely's rollback would fail on the dead
    // connection and its error would replace the one that says why.
    if (broken && args[0] === "rollback") return Promise.resolve({ command: "ROLLBACK", rowCount: 0, rows: [] });
    const result = (client.query as (...a: unknown[]) => unknown)(...args);
    if (!(result instanceof Promise)) return result;
    return result.catch((error: unknown) => {
      const cause = unavailableCause(error);
      // 57014: the server cancelled a slow statement; the connection itself is fine.
      if (cause && cause !== "57014") broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    });
  };
  return {
    query: query as PostgresPoolClient["query"],
    release() {
      const error = broken;
      broken = undefined;
      client.release(error);
    },
  };
}
