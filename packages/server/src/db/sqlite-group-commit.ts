import type SQLite from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type SqliteStatement,
} from "kysely";

/**
 * Kysely's SQLite dialect with group commit. SQLite has one writer and, on one connection, one
 * transaction at a time; a commit writes every page the transaction touched to the WAL in full
 * (two writes each), so its cost is the pages, not the rows. Transactions that run close together
 * touch the same pages (the right edge of the events, payments and jobs b-trees, neighbouring
 * subscriptions), so they are run as savepoints of one SQLite transaction and committed together
 * once the event loop has nothing else to run (`setImmediate`): a renewal run at the worker's
 * default concurrency writes about half the pages it would alone (docs/architecture.md, "renewal
 * bench").
 *
 * What a caller sees does not change:
 * - `db.transaction().execute(cb)` resolves only once the group holding it has committed, so
 *   whatever the caller does next (call a payment provider, answer a request) happens after its
 *   change is durable as before; when the group's commit fails, every member's transaction rejects
 *   with that error and none of them is kept.
 * - A transaction that fails is rolled back to its savepoint; the others in its group are not
 *   touched. An error after which SQLite has rolled back the whole transaction (a full disk, an I/O
 *   error) fails every member that had not yet been told it committed.
 * - A single write outside a transaction joins the group the same way and resolves after the commit.
 * - Anything else outside a transaction (a pragma, DDL: migrations turn foreign keys off around a
 *   table rebuild, which SQLite ignores inside a transaction) first commits the open group, then
 *   runs on its own.
 *
 * One difference: a read outside a transaction runs inside the open group, so it may see a change
 * whose commit is a few microseconds away. Should that commit fail (the disk filled in between),
 * the read saw a change that was then undone; with `synchronous = NORMAL` a commit is not durable
 * against power loss either, so no reader on this connection could rely on more.
 */
export class GroupCommitSqliteDialect implements Dialect {
  constructor(
    private readonly o: {
      database: SqliteDatabase;
      sqlite: SQLite.Database;
      /** Most members in one group (default 256). */
      maxGroup?: number;
      /** Run at `destroy`, after the last group has committed and before the connection closes. */
      beforeClose?: () => void;
      /** Told how many members each committed group had (tests; a metric could use it). */
      onCommit?: (members: number) => void;
    },
  ) {}

  createDriver(): Driver {
    return new GroupCommitDriver(this.o.database, this.o.sqlite, {
      maxGroup: this.o.maxGroup ?? 256,
      ...(this.o.beforeClose && { beforeClose: this.o.beforeClose }),
      ...(this.o.onCommit && { onCommit: this.o.onCommit }),
    });
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/** Members of one SQLite transaction, told together when it commits or fails. */
interface Group {
  members: number;
  done: Promise<void>;
  settle(error?: unknown): void;
  /** Set when SQLite rolled the whole transaction back under a member's statement. */
  failure?: unknown;
}

const SAVEPOINT = "tessera_member";
/** Writes (with or without `returning`); a `with` may hide one, so it is taken for one. */
const WRITE = /^\s*(insert|update|delete|replace|with)\b/i;
const READ = /^\s*select\b/i;

/** First come, first served: the connection, one holder at a time. */
class Turns {
  #held = false;
  readonly #waiting: Array<() => void> = [];

  async take(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  give(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held = false;
  }
}

/** One holding of the connection: released once, by whichever of commit or Kysely comes first. */
class Lease implements DatabaseConnection {
  /** The group this holding has a savepoint open in (between begin and commit or rollback). */
  member: Group | undefined;
  #released = false;

  constructor(private readonly driver: GroupCommitDriver) {}

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.driver.turns.give();
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute<R>(this, query);
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    for (const row of this.driver.prepare(query.sql).iterate(query.parameters)) yield { rows: [row as R] };
  }
}

class GroupCommitDriver implements Driver {
  readonly turns = new Turns();
  #group: Group | undefined;

  constructor(
    private readonly database: SqliteDatabase,
    private readonly sqlite: SQLite.Database,
    private readonly o: { maxGroup: number; beforeClose?: () => void; onCommit?: (members: number) => void },
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.turns.take();
    return new Lease(this);
  }

  prepare(sql: string): SqliteStatement {
    return this.database.prepare(sql);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    const group = this.#join();
    try {
      this.#run(SAVEPOINT_SQL.begin);
    } catch (error) {
      group.members--;
      throw error;
    }
    lease.member = group;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    const group = lease.member!;
    // Should the release fail, the savepoint is still open for the rollback Kysely runs next.
    this.#run(SAVEPOINT_SQL.release);
    lease.member = undefined;
    await this.#awaitCommit(lease, group);
  }

  /** Also called when the group's commit failed: then the member has nothing left to undo. */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    const group = lease.member;
    if (!group) return;
    lease.member = undefined;
    group.members--;
    // SQLite may have rolled the whole transaction back already (SQLITE_FULL and the like).
    if (this.#group !== group || !this.sqlite.inTransaction) return this.#lost(group);
    this.#run(SAVEPOINT_SQL.rollback);
    this.#run(SAVEPOINT_SQL.release);
  }

  async savepoint(connection: DatabaseConnection, name: string) {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoted(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string) {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoted(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string) {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoted(name)}`));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as Lease).release();
  }

  async destroy(): Promise<void> {
    await this.turns.take();
    try {
      this.#commitNow();
      this.o.beforeClose?.();
    } finally {
      await this.database.close();
      // Whoever still waits for the connection gets its turn, and SQLite's "not open" error.
      this.turns.give();
    }
  }

  async execute<R>(lease: Lease, query: CompiledQuery): Promise<QueryResult<R>> {
    if (lease.member || READ.test(query.sql)) return this.#result<R>(this.prepare(query.sql), query);
    if (!WRITE.test(query.sql)) {
      // A pragma or DDL: outside any transaction, as it was asked for. Prepared only then, since
      // SQLite applies some pragmas (foreign_keys) when it prepares them.
      this.#commitNow();
      return this.#result<R>(this.prepare(query.sql), query);
    }
    const stmt = this.prepare(query.sql);
    const group = this.#join();
    let result: QueryResult<R>;
    try {
      // Should SQLite have rolled the whole group back, #result has marked it lost.
      result = this.#result<R>(stmt, query);
    } catch (error) {
      group.members--;
      throw error;
    }
    await this.#awaitCommit(lease, group);
    return result;
  }

  #result<R>(stmt: SqliteStatement, query: CompiledQuery): QueryResult<R> {
    try {
      if (stmt.reader) return { rows: stmt.all(query.parameters) as R[] };
      const { changes, lastInsertRowid } = stmt.run(query.parameters);
      return {
        numAffectedRows: changes === undefined || changes === null ? undefined : BigInt(changes),
        insertId: lastInsertRowid === undefined || lastInsertRowid === null ? undefined : BigInt(lastInsertRowid),
        rows: [],
      };
    } catch (error) {
      if (this.#group && !this.sqlite.inTransaction) this.#lost(this.#group, error);
      throw error;
    }
  }

  /** Makes the caller a member of the open group, opening one (and scheduling its commit) if need be. */
  #join(): Group {
    let group = this.#group;
    if (group && (group.failure !== undefined || !this.sqlite.inTransaction || group.members >= this.o.maxGroup)) {
      // A group that cannot take more: committed (or failed) now, and a new one started.
      this.#commitNow();
      group = undefined;
    }
    if (!group) {
      // The write lock up front: a group that read first and wrote after another process (a
      // `tessera worker` beside `serve`, a CLI command) had committed would fail with
      // SQLITE_BUSY_SNAPSHOT, which no busy timeout cures. Another writer waits its busy timeout.
      this.#run("begin immediate");
      group = newGroup();
      this.#group = group;
      const opened = group;
      setImmediate(() => void this.#commitLater(opened));
    }
    group.members++;
    return group;
  }

  /** Gives the connection back, then waits for the group's commit (or its failure). */
  async #awaitCommit(lease: Lease, group: Group): Promise<void> {
    lease.release();
    await group.done;
  }

  /** The scheduled commit: waits its turn, since a member may still be inside its savepoint. */
  async #commitLater(group: Group): Promise<void> {
    await this.turns.take();
    try {
      if (this.#group === group) this.#commitNow();
    } finally {
      this.turns.give();
    }
  }

  /** Commits the open group (the caller holds the connection). */
  #commitNow(): void {
    const group = this.#group;
    if (!group) return;
    this.#group = undefined;
    if (group.failure !== undefined || !this.sqlite.inTransaction) {
      if (this.sqlite.inTransaction) this.#run("rollback");
      group.settle(group.failure ?? new Error("the group's SQLite transaction ended before its commit"));
      return;
    }
    try {
      this.#run("commit");
    } catch (error) {
      if (this.sqlite.inTransaction) this.#run("rollback");
      group.settle(error);
      return;
    }
    this.o.onCommit?.(group.members);
    group.settle();
  }

  /** SQLite rolled the whole transaction back: every member waiting on it fails with the cause. */
  #lost(group: Group, error: unknown = new Error("SQLite rolled the transaction back")): void {
    group.failure ??= error;
  }

  #run(sql: string): void {
    this.database.prepare(sql).run([]);
  }
}

const SAVEPOINT_SQL = {
  begin: `savepoint ${SAVEPOINT}`,
  release: `release ${SAVEPOINT}`,
  rollback: `rollback to ${SAVEPOINT}`,
};

function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function newGroup(): Group {
  let settle!: (error?: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error?: unknown) => (error === undefined ? resolve() : reject(error));
  });
  // A group may fail with no member left to hear it (all rolled back): not an unhandled rejection.
  done.catch(() => {});
  return { members: 0, done, settle };
}
