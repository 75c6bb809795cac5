import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialect, testDatabase } from "../../test/harness.js";
import type { DatabaseHandle } from "./connect.js";
import { isUniqueViolation, skipLocked } from "./dialect.js";

describe(`db/dialect on ${dialect}`, () => {
  let database: DatabaseHandle;
  const tenant = (id: string) => ({ id, slug: id, name: id, created_at: "2026-01-01T00:00:00.000Z" });

  beforeAll(async () => {
    database = await testDatabase();
    await database.db
      .insertInto("tenants")
      .values([tenant("tn_a"), tenant("tn_b")])
      .execute();
  });
  afterAll(() => database.close());

  it("tells a unique violation from other refusals", async () => {
    const duplicate = await database.db
      .insertInto("tenants")
      .values(tenant("tn_a"))
      .execute()
      .catch((e) => e);
    expect(isUniqueViolation(duplicate)).toBe(true);
    const missing = await database.db
      .insertInto("tenants")
      .values({ ...tenant("tn_c"), name: null as unknown as string })
      .execute()
      .catch((e) => e);
    expect(missing).toBeInstanceOf(Error);
    expect(isUniqueViolation(missing)).toBe(false);
  });

  it("skips rows another transaction has locked for a claim (Postgres), and adds nothing on SQLite", async () => {
    const claim = (db: typeof database.db) =>
      sql<{
        id: string;
      }>`select t.id from tenants t order by t.id limit 1 ${skipLocked(database.dialect, "t")}`.execute(db);
    if (database.dialect === "sqlite") {
      await expect(claim(database.db).then((r) => r.rows)).resolves.toEqual([{ id: "tn_a" }]);
      return;
    }
    await database.db.transaction().execute(async (first) => {
      expect((await claim(first)).rows).toEqual([{ id: "tn_a" }]);
      await database.db.transaction().execute(async (second) => {
        expect((await claim(second)).rows).toEqual([{ id: "tn_b" }]);
      });
    });
  });
});
