import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dialect } from "../../test/harness.js";
import { GroupCommitSqliteDialect } from "./sqlite-group-commit.js";

/*
 * The group-commit driver on its own, over a real SQLite file, watched through a second
 * connection to the same file: what that one sees is what is committed. SQLite only (the driver
 * is SQLite's); the whole suite runs on it too, since connectDatabase uses it for every SQLite URL.
 */

interface Tables {
  items: { id: string; note: string | null };
  parents: { id: string };
  children: { id: string; parent: string };
}

describe.runIf(dialect === "sqlite")("SQLite group commit", () => {
  let dir: string;
  let sqlite: SQLite.Database;
  let observer: SQLite.Database;
  let db: Kysely<Tables>;
  let groups: number[];
  let destroyed: boolean;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tessera-group-commit-"));
    const file = join(dir, "db.sqlite");
    sqlite = new SQLite(file);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.exec(`
      create table items (id text primary key, note text);
      create table parents (id text primary key);
      create table children (id text primary key, parent text references parents (id) deferrable initially deferred);`);
    observer = new SQLite(file, { readonly: true });
    groups = [];
    destroyed = false;
    db = new Kysely<Tables>({
      dialect: new GroupCommitSqliteDialect({ database: sqlite, sqlite, onCommit: (n) => groups.push(n) }),
    });
  });

  afterEach(async () => {
    if (!destroyed) await db.destroy();
    observer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Ids of the committed items, as another connection sees them. */
  const committed = () =>
    (observer.prepare("select id from items order by id").all() as Array<{ id: string }>).map((r) => r.id);

  const insert = (id: string) =>
    db.transaction().execute(async (tx) => {
      await tx.insertInto("items").values({ id, note: null }).execute();
      return id;
    });

  it("commits transactions started together as one group, and each caller resolves after it", async () => {
    const seen: string[][] = [];
    await Promise.all(
      ["a", "b", "c", "d", "e"].map((id) =>
        insert(id).then(() => {
          seen.push(committed());
        }),
      ),
    );
    expect(groups).toEqual([5]);
    // Every caller already saw all five committed: none was told before the commit.
    for (const ids of seen) expect(ids).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("rolls back a failing transaction alone; the others in its group commit", async () => {
    const results = await Promise.allSettled([
      insert("a"),
      db.transaction().execute(async (tx) => {
        await tx.insertInto("items").values({ id: "b", note: null }).execute();
        throw new Error("changed its mind");
      }),
      // A constraint error inside a member: SQLite undoes the statement, the member rolls back.
      db.transaction().execute(async (tx) => {
        await tx.insertInto("items").values({ id: "c", note: null }).execute();
        await tx.insertInto("items").values({ id: "a", note: "duplicate" }).execute();
      }),
      insert("d"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe("changed its mind");
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(committed()).toEqual(["a", "d"]);
    expect(groups).toEqual([2]);
  });

  it("fails every member when the group's commit fails, and keeps none of them", async () => {
    await db.insertInto("parents").values({ id: "p1" }).execute();
    const results = await Promise.allSettled([
      insert("a"),
      // A deferred foreign key is checked at the commit: the group's commit fails.
      db.transaction().execute((tx) => tx.insertInto("children").values({ id: "c1", parent: "nobody" }).execute()),
      insert("b"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    for (const r of results) expect(String((r as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(committed()).toEqual([]);
    // The connection goes on: the next group commits.
    await insert("c");
    expect(committed()).toEqual(["c"]);
  });

  it("resolves a single write outside a transaction after its commit, grouped with the others", async () => {
    let visibleAtResolve: string[] = [];
    await Promise.all([
      db
        .insertInto("items")
        .values({ id: "a", note: null })
        .execute()
        .then(() => {
          visibleAtResolve = committed();
        }),
      insert("b"),
    ]);
    expect(visibleAtResolve).toEqual(["a", "b"]);
    expect(groups).toEqual([2]);
  });

  it("runs a pragma outside any transaction: the open group commits first", async () => {
    // Asked for the connection in this order: the insert's group is open when the pragma's turn comes.
    const write = insert("a");
    await sql`pragma foreign_keys = off`.execute(db);
    expect(committed()).toEqual(["a"]);
    // Inside a transaction SQLite ignores this pragma; here it took effect.
    const { rows } = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
    expect(rows[0]?.foreign_keys).toBe(0);
    await write;
  });

  it("commits what is pending when the database is closed; a later write fails instead of waiting", async () => {
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => {
      inside = resolve;
    });
    const write = db.transaction().execute(async (tx) => {
      await tx.insertInto("items").values({ id: "a", note: null }).execute();
      inside();
    });
    await entered;
    await db.destroy();
    destroyed = true;
    await write;
    expect(committed()).toEqual(["a"]);
    await expect(insert("b")).rejects.toThrow(/destroyed|not open/);
  });

  it("takes an update … returning outside a transaction for a write: it resolves after the commit", async () => {
    await insert("a");
    let visible: unknown[] = [];
    await Promise.all([
      db
        .updateTable("items")
        .set({ note: "claimed" })
        .where("id", "=", "a")
        .returning("id")
        .execute()
        .then(() => {
          visible = observer.prepare("select note from items").all();
        }),
      insert("b"),
    ]);
    expect(visible).toEqual([{ note: "claimed" }, { note: null }]);
  });

  // Another process on the same file (a `tessera worker` beside `tessera serve`, a CLI command):
  // a group that read first and wrote later, after the other had committed, failed with
  // SQLITE_BUSY_SNAPSHOT, which no busy timeout cures. The group takes the write lock when it opens.
  it("holds the write lock from the group's first statement: another writer waits, none slips in between", async () => {
    const other = new SQLite(join(dir, "db.sqlite"));
    other.pragma("busy_timeout = 0");
    try {
      await db.transaction().execute(async (tx) => {
        await tx.selectFrom("items").selectAll().execute();
        expect(() => other.prepare("insert into items (id, note) values ('x', null)").run()).toThrow(/locked|busy/i);
        await tx.insertInto("items").values({ id: "a", note: null }).execute();
      });
      expect(committed()).toEqual(["a"]);
      other.prepare("insert into items (id, note) values ('x', null)").run();
      expect(committed()).toEqual(["a", "x"]);
    } finally {
      other.close();
    }
  });
});
