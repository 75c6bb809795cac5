import { type Compilable, CompiledQuery, type Kysely } from "kysely";

/**
 * A query of fixed shape, built and compiled once per database, then run with fresh values: on a
 * hot path (every authenticated request looks its key up) Kysely's builder and compiler cost far
 * more than the indexed lookup itself.
 *
 * `build` receives placeholder strings for the named values and must hand each straight to a
 * comparison (`.where("id", "=", p.id)`): a builder that branches on a value, or transforms it,
 * would freeze one branch or one transformed placeholder into the cached SQL — `prepare` refuses
 * a compiled query that lost a placeholder.
 *
 * @example
 * const byHash = preparedQuery(["hash"], (db, p) => db.selectFrom("api_keys").selectAll().where("secret_hash", "=", p.hash));
 * const row = (await byHash(db, { hash })).rows[0];
 */
export function preparedQuery<DB, const K extends string, R>(
  names: readonly K[],
  build: (db: Kysely<DB>, placeholders: Record<K, string>) => Compilable<R>,
) {
  // Keyed by the dialect adapter, which a database shares with its transactions: a query run
  // inside `db.transaction()` reuses the SQL compiled for the database instead of compiling again.
  // (A `withSchema`/`withPlugin` copy would share it too; nothing here uses them.)
  const compiled = new WeakMap<object, { sql: string; slots: Array<{ name: K } | { value: unknown }> }>();

  function prepare(db: Kysely<DB>) {
    const marker = (name: string) => `\u0000prepared:${name}\u0000`;
    const placeholders = Object.fromEntries(names.map((n) => [n, marker(n)])) as Record<K, string>;
    const query = build(db, placeholders).compile();
    const slots = query.parameters.map((value) => {
      const name = names.find((n) => value === marker(n));
      return name === undefined ? { value } : { name };
    });
    const missing = names.filter((n) => !slots.some((s) => "name" in s && s.name === n));
    if (missing.length) throw new Error(`preparedQuery: ${missing.join(", ")} did not reach the SQL as parameters`);
    const entry = { sql: query.sql, slots };
    compiled.set(db.getExecutor().adapter, entry);
    return entry;
  }

  return (db: Kysely<DB>, values: Record<K, unknown>) => {
    const { sql, slots } = compiled.get(db.getExecutor().adapter) ?? prepare(db);
    const parameters = slots.map((s) => ("name" in s ? values[s.name] : s.value));
    return db.executeQuery<R>(CompiledQuery.raw(sql, parameters));
  };
}

/**
 * One `preparedQuery` per shape, for statements whose shape varies over a small, fixed set (the
 * columns an UPDATE writes, which optional conditions it has): `key` names the shape, `make`
 * builds its prepared query on first use. Bounded, in case a caller's shapes are not.
 *
 * @example
 * const update = preparedShapes((cols: string[]) => cols.join(), (cols) => preparedQuery(…));
 * await update(Object.keys(changes))(db, values);
 */
export function preparedShapes<S, Q>(key: (shape: S) => string, make: (shape: S) => Q, max = 256): (shape: S) => Q {
  const cache = new Map<string, Q>();
  return (shape: S) => {
    const k = key(shape);
    let query = cache.get(k);
    if (query === undefined) {
      if (cache.size >= max) cache.clear();
      query = make(shape);
      cache.set(k, query);
    }
    return query;
  };
}
