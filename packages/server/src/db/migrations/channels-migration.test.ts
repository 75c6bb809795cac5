import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Migrator, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { dialect, testDatabase } from "../../../test/harness.js";
import { connectDatabase } from "../connect.js";
import { MIGRATIONS } from "../migrate.js";

const provider = { getMigrations: async () => MIGRATIONS };

describe("migration 030 (channels)", () => {
  // SQLite rebuilds the subscriptions table to drop a NOT NULL: the rows and indexes must survive.
  it.runIf(dialect === "sqlite")("keeps existing subscriptions and their indexes on SQLite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-mig-"));
    const handle = connectDatabase(`sqlite:${join(dir, "m.db")}`);
    try {
      const migrator = new Migrator({ db: handle.db, provider });
      expect((await migrator.migrateTo("2026-11-23-006-job-claim-indexes")).error).toBeUndefined();
      const columns = (await sql<{ name: string }>`pragma table_info(subscriptions)`.execute(handle.db)).rows.map(
        (r) => r.name,
      );
      // Parent rows are beside the point here: the row only has to be there before and after.
      await sql`pragma foreign_keys = off`.execute(handle.db);
      const row = Object.fromEntries(
        columns.map((c) => [
          c,
          c === "version" || c.endsWith("_index") || c === "anchor_period" || c === "cancel_at_period_end"
            ? 1
            : `${c}-value`,
        ]),
      );
      await handle.db
        .insertInto("subscriptions")
        .values(row as never)
        .execute();
      await sql`pragma foreign_keys = on`.execute(handle.db);
      const danglingBefore = (await sql`pragma foreign_key_check`.execute(handle.db)).rows;
      const indexesBefore = (
        await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'index' and tbl_name = 'subscriptions' and sql is not null order by name`.execute(
          handle.db,
        )
      ).rows;

      // Up to 030 itself: later migrations add columns and indexes of their own.
      const { error } = await migrator.migrateTo("2026-12-03-030-channels");
      expect(error && String(error)).toBeUndefined();
      expect(await handle.db.selectFrom("subscriptions").selectAll().execute()).toEqual([row]);
      const indexesAfter = (
        await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'index' and tbl_name = 'subscriptions' and sql is not null order by name`.execute(
          handle.db,
        )
      ).rows;
      expect(indexesAfter).toEqual(indexesBefore);
      const pm = (
        await sql<{ name: string; notnull: number }>`pragma table_info(subscriptions)`.execute(handle.db)
      ).rows.find((r) => r.name === "payment_method");
      expect(pm?.notnull).toBe(0);
      // The fixture's dangling references are the same before and after; nothing new dangles, and the
      // tables that reference subscriptions still do (the rename carried them over).
      expect((await sql`pragma foreign_key_check`.execute(handle.db)).rows).toEqual(danglingBefore);
      const refs = (await sql<{ table: string }>`pragma foreign_key_list(channel_links)`.execute(handle.db)).rows;
      expect(refs.map((r) => r.table)).toContain("subscriptions");
    } finally {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves payment_method nullable and the channel tables in place", async () => {
    const handle = await testDatabase();
    try {
      const cols =
        dialect === "sqlite"
          ? (await sql<{ name: string; notnull: number }>`pragma table_info(subscriptions)`.execute(handle.db)).rows
          : (
              await sql<{
                name: string;
                notnull: number;
              }>`select column_name as name, (is_nullable = 'NO')::int as notnull from information_schema.columns where table_schema = current_schema() and table_name = 'subscriptions'`.execute(
                handle.db,
              )
            ).rows;
      expect(cols.find((c) => c.name === "payment_method")?.notnull).toBe(0);
      for (const table of ["channel_links", "channel_products", "channel_notifications"] as const) {
        expect(await handle.db.selectFrom(table).selectAll().execute()).toEqual([]);
      }
    } finally {
      await handle.close();
    }
  });
});
