import { type Kysely, sql } from "kysely";

// A discount is announced (its `discount.applied` event recorded) in a transaction after the one
// that claimed it; `announced_at` marks that second step done. The campaigns sweep
// (modules/campaigns/sweep.ts) finds claims a crash left half-way by `announced_at is null`, so the
// partial index keeps that read to the few unfinished ones. Discounts already announced before
// this migration are marked from their event; the rest are what the sweep is for.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("discounts").addColumn("announced_at", "text").execute();
  await sql`
    update discounts set announced_at = created_at
    where exists (
      select 1 from events
      where events.type = 'discount.applied'
        and events.object_id = discounts.id
        and events.environment_id = discounts.environment_id
    )`.execute(db);
  // Ended discounts need nothing more.
  await sql`update discounts set announced_at = coalesce(ended_at, created_at) where status = 'ended' and announced_at is null`.execute(
    db,
  );
  await db.schema
    .createIndex("discounts_unannounced")
    .on("discounts")
    .column("created_at")
    .where(sql.ref("announced_at"), "is", null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("discounts_unannounced").execute();
  await db.schema.alterTable("discounts").dropColumn("announced_at").execute();
}
