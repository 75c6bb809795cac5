import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Kysely, Migrator, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { dialect } from "../../../test/harness.js";
import { connectDatabase } from "../connect.js";
import { MIGRATIONS } from "../migrate.js";

const provider = { getMigrations: async () => MIGRATIONS };

describe("migration 140 (discounts.announced_at)", () => {
  // Discounts announced before the column existed must not look unfinished to the campaigns sweep.
  it.runIf(dialect === "sqlite")(
    "marks discounts with a discount.applied event, and ended ones, announced",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "tessera-mig-"));
      const handle = connectDatabase(`sqlite:${join(dir, "m.db")}`);
      try {
        const migrator = new Migrator({ db: handle.db, provider });
        expect((await migrator.migrateTo("2026-12-06-120-usage-records-by-customer")).error).toBeUndefined();
        // Parent rows are beside the point: only the discounts and events matter here.
        await sql`pragma foreign_keys = off`.execute(handle.db);
        const discount = (id: string, status: string, ended: string | null) => ({
          id,
          tenant_id: "ten_1",
          environment_id: "env_1",
          subscription_id: `sub_${id}`,
          customer_id: "cus_1",
          coupon_id: "cpn_1",
          promotion_code_id: null,
          redemption_id: `rdm_${id}`,
          first_period: 1,
          last_period: 1,
          status,
          ended_at: ended,
          created_at: "2026-02-01T00:00:00.000Z",
        });
        const db = handle.db as never as Kysely<Record<string, Record<string, unknown>>>;
        await db
          .insertInto("discounts")
          .values([
            discount("dsc_told", "active", null),
            discount("dsc_untold", "active", null),
            discount("dsc_ended", "ended", "2026-03-01T00:00:00.000Z"),
          ])
          .execute();
        await db
          .insertInto("events")
          .values({
            id: "evt_1",
            tenant_id: "ten_1",
            environment_id: "env_1",
            type: "discount.applied",
            object_type: "discount",
            object_id: "dsc_told",
            data: "{}",
            created_at: "2026-02-01T00:00:01.000Z",
          })
          .execute();

        const { error } = await migrator.migrateTo("2026-12-06-140-discounts-announced");
        expect(error && String(error)).toBeUndefined();
        const rows = await db.selectFrom("discounts").select(["id", "announced_at"]).orderBy("id").execute();
        expect(rows).toEqual([
          { id: "dsc_ended", announced_at: "2026-03-01T00:00:00.000Z" },
          { id: "dsc_told", announced_at: "2026-02-01T00:00:00.000Z" },
          { id: "dsc_untold", announced_at: null },
        ]);
      } finally {
        await handle.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
