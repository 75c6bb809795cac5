import { type SelectQueryBuilder, sql } from "kysely";

export interface Page<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface PageQuery {
  limit: number;
  starting_after?: string | undefined;
  /** By id, so by creation: `desc` (newest first) unless a list offers `asc`. */
  order?: "asc" | "desc" | undefined;
}

/**
 * Cursor pagination over a table whose `id` is a prefixed ULID: newest first (or oldest first
 * with `order: "asc"`), the cursor is the last id of the previous page. Fetches one extra row to
 * know whether there is more.
 */
export async function paginate<DB, TB extends keyof DB, O extends { id: string }>(
  query: SelectQueryBuilder<DB, TB, O>,
  idColumn: string,
  page: PageQuery,
): Promise<{ rows: O[]; has_more: boolean; next_cursor: string | null }> {
  const order = page.order ?? "desc";
  // The column is named at run time ("id", "k.id"): a reference, since its name is not in DB's types here.
  const id = sql.ref<string>(idColumn);
  let q = query.orderBy(id, order).limit(page.limit + 1);
  if (page.starting_after) q = q.where(id, order === "desc" ? "<" : ">", page.starting_after);
  const rows = await q.execute();
  const has_more = rows.length > page.limit;
  const pageRows = has_more ? rows.slice(0, page.limit) : rows;
  return { rows: pageRows, has_more, next_cursor: has_more ? (pageRows.at(-1)?.id ?? null) : null };
}

export function toPage<R, T>(
  result: { rows: R[]; has_more: boolean; next_cursor: string | null },
  map: (r: R) => T,
): Page<T> {
  return { object: "list", data: result.rows.map(map), has_more: result.has_more, next_cursor: result.next_cursor };
}
