import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresDialect,
  type PostgresPool,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import { type Access, carryAccess, currentAccess } from "./access.js";

/** The role tenant work runs as when the connecting role could bypass the policies. */
export const FENCED_ROLE = "tessera_app";

/*
 * How the access of the calling code reaches Postgres. Each pooled connection remembers the role and
 * settings it was last given; before a statement runs, the caller's access is compared with them and,
 * only when they differ, one `select set_config(…)` changes them. Outside a transaction the change is
 * session-level, so a connection that serves the same tenant (or system work) again costs nothing
 * extra; inside one it is transaction-local (`set_config(…, true)`), so it ends with the
 * transaction. Every statement passes through here, so a connection left with one tenant's settings
 * is re-set before it serves anyone else; code with no access at all gets empty settings, which
 * the policies match to no row.
 *
 * System work (an API key's lookup, above all) and tenant work take connections from two pools, so
 * a request does not switch its connection to system and back: with one pool every authenticated
 * request cost two more round trips; with two, a connection changes settings only when it serves
 * another tenant than last time (a bench run of thousands of requests sent 18 set_config in all).
 */

interface Settings {
  role: string;
  tenant: string;
  environment: string;
  system: "on" | "";
}

interface ConnectionState {
  /** What the session has; undefined until the first statement. */
  session: string | undefined;
  /** Inside a transaction: what it has now (undefined: unknown, after a rollback to a savepoint). */
  tx: string | undefined;
  inTransaction: boolean;
  /** The role tenant and system work run as on this connection, once known. */
  fencedRole: string | undefined;
  generation: number;
}

/** Bumped when the policies and the role are (re)made, so connections look again for the role. */
let generation = 0;
export function rowLevelSecurityChanged(): void {
  generation++;
}

const keyOf = (s: Settings) => `${s.role}\u0000${s.tenant}\u0000${s.environment}\u0000${s.system}`;

const SET =
  "select set_config('role', $1, $5), set_config('tessera.tenant_id', $2, $5), set_config('tessera.environment_id', $3, $5), set_config('tessera.system', $4, $5)";

// Superusers and BYPASSRLS roles ignore policies, so such a connection must act as the fenced role;
// any other role (the tables' owner included, as the tables FORCE row-level security) is fenced itself.
const FENCE =
  "select (r.rolsuper or r.rolbypassrls) as bypasses, exists (select 1 from pg_roles where rolname = $1) as has_role from pg_roles r where r.rolname = session_user";

class ScopedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    readonly driver: Driver,
    readonly state: ConnectionState,
    readonly fallback: Access,
  ) {}

  async #fencedRole(): Promise<string> {
    const s = this.state;
    if (s.fencedRole !== undefined && s.generation === generation) return s.fencedRole;
    const seen = generation;
    const { rows } = await this.inner.executeQuery<{ bypasses: boolean; has_role: boolean }>(
      CompiledQuery.raw(FENCE, [FENCED_ROLE]),
    );
    const row = rows[0];
    if (row?.bypasses && !row.has_role) {
      // Acting as a role that ignores the policies would quietly drop the fence.
      throw new Error(`row-level security is not set up (no role ${FENCED_ROLE}): run \`tessera migrate\``);
    }
    s.fencedRole = row?.bypasses ? FENCED_ROLE : "none";
    s.generation = seen;
    return s.fencedRole;
  }

  async #wanted(): Promise<string> {
    const access = currentAccess() ?? this.fallback;
    if (access.kind === "owner") return keyOf({ role: "none", tenant: "", environment: "", system: "on" });
    const role = await this.#fencedRole();
    if (access.kind === "system") return keyOf({ role, tenant: "", environment: "", system: "on" });
    if (access.kind === "tenant") {
      return keyOf({ role, tenant: access.tenantId, environment: access.environmentId, system: "" });
    }
    return keyOf({ role, tenant: "", environment: "", system: "" });
  }

  /** Gives the connection the caller's role and settings, when it has other ones. */
  async apply(): Promise<void> {
    const wanted = await this.#wanted();
    const s = this.state;
    const local = s.inTransaction;
    if ((local ? s.tx : s.session) === wanted) return;
    const [role, tenant, environment, system] = wanted.split("\u0000");
    await this.inner.executeQuery(CompiledQuery.raw(SET, [role, tenant, environment, system, local]));
    if (local) s.tx = wanted;
    else s.session = wanted;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    await this.apply();
    return this.inner.executeQuery<R>(query);
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    await this.apply();
    yield* this.inner.streamQuery<R>(query, chunkSize);
  }
}

class ScopedDriver implements Driver {
  readonly #states = new WeakMap<DatabaseConnection, ScopedConnection>();

  constructor(
    readonly tenant: Driver,
    readonly system: Driver,
    readonly fallback: Access,
  ) {}

  async init() {
    await Promise.all([this.tenant.init(), this.system.init()]);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const kind = (currentAccess() ?? this.fallback).kind;
    const driver = kind === "system" || kind === "owner" ? this.system : this.tenant;
    const inner = await driver.acquireConnection();
    // The pg driver hands out one connection object per pooled client, so its state lives on.
    let connection = this.#states.get(inner);
    if (!connection) {
      const state = { session: undefined, tx: undefined, inTransaction: false, fencedRole: undefined, generation };
      connection = new ScopedConnection(inner, driver, state, this.fallback);
      this.#states.set(inner, connection);
    }
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    const c = connection as ScopedConnection;
    // Set before BEGIN, at session level: the transaction inherits it, and the next one on this
    // connection in the same access needs no statement at all.
    await c.apply();
    await c.driver.beginTransaction(c.inner, settings);
    c.state.inTransaction = true;
    c.state.tx = c.state.session;
  }

  async commitTransaction(connection: DatabaseConnection) {
    const c = connection as ScopedConnection;
    c.state.inTransaction = false;
    await c.driver.commitTransaction(c.inner);
  }

  async rollbackTransaction(connection: DatabaseConnection) {
    const c = connection as ScopedConnection;
    c.state.inTransaction = false;
    await c.driver.rollbackTransaction(c.inner);
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    const c = connection as ScopedConnection;
    await c.driver.savepoint?.(c.inner, name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    const c = connection as ScopedConnection;
    // A set_config made after the savepoint is undone with it: look again before the next statement.
    c.state.tx = undefined;
    await c.driver.rollbackToSavepoint?.(c.inner, name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    const c = connection as ScopedConnection;
    await c.driver.releaseSavepoint?.(c.inner, name, compile);
  }

  async releaseConnection(connection: DatabaseConnection) {
    const c = connection as ScopedConnection;
    // A connection released mid-transaction is broken anyway; forget what it had.
    if (c.state.inTransaction) {
      c.state.inTransaction = false;
      c.state.session = undefined;
    }
    await c.driver.releaseConnection(c.inner);
  }

  async destroy() {
    await Promise.all([this.tenant.destroy(), this.system.destroy()]);
  }
}

/**
 * A Postgres dialect over `pool` whose connections carry the caller's access (see above). System
 * work gets `systemPool`, a second, smaller pool made with the same options (and the same fault
 * handling, db/postgres-pool.ts). `fallback` is the access of code that set none: `none` (no rows)
 * for the server; tests pick `system`.
 */
export function withRowLevelSecurity(pool: PostgresPool, systemPool: PostgresPool, fallback: Access): Dialect {
  carryAccess();
  const dialect = new PostgresDialect({ pool });
  const system = new PostgresDialect({ pool: systemPool });
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new ScopedDriver(dialect.createDriver(), system.createDriver(), fallback),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<unknown>) => dialect.createIntrospector(db),
  };
}
