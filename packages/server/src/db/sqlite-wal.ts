import type SQLite from "better-sqlite3";
import type { ConnectOptions } from "./connect.js";

/**
 * Keeps the SQLite database file current. `wal_autocheckpoint` is set high for throughput (a
 * checkpoint inside a commit costs two fsyncs and copies pages later commits rewrite anyway), which
 * would leave up to ~80 MB of committed data only in the WAL. A PASSIVE checkpoint on a timer copies
 * it out between requests without waiting for readers or writers; a TRUNCATE checkpoint at close
 * leaves an empty WAL, so a copy of the file alone is whole once the server has stopped.
 *
 * A busy process runs timers late (a worker draining thousands of jobs yields to the event loop
 * only between group commits, sqlite-group-commit.ts), so a commit also runs the checkpoint when
 * one is due.
 */
export function walCheckpoints(
  sqlite: SQLite.Database,
  options: ConnectOptions,
): { afterCommit(): void; stop(): void } {
  const every = options.checkpointMs ?? 1000;
  const report = options.onBackgroundError ?? (() => {});
  // A failing checkpoint (a full disk) fails on every tick: report the first failure, not each one.
  let failing = false;
  let last = performance.now();
  const due = () => every > 0 && performance.now() - last >= every;
  const checkpoint = (mode: "PASSIVE" | "TRUNCATE") => {
    // Kysely may be between the statements of a transaction on this one connection.
    if (!sqlite.open || sqlite.inTransaction) return;
    last = performance.now();
    try {
      sqlite.pragma(`wal_checkpoint(${mode})`);
      failing = false;
    } catch (error) {
      if (!failing) report(error, `sqlite ${mode.toLowerCase()} checkpoint`);
      failing = true;
    }
  };
  const timer = every > 0 ? setInterval(() => due() && checkpoint("PASSIVE"), every) : undefined;
  timer?.unref();
  return {
    afterCommit() {
      if (due()) checkpoint("PASSIVE");
    },
    stop() {
      if (timer) clearInterval(timer);
      failing = false;
      checkpoint("TRUNCATE");
    },
  };
}
