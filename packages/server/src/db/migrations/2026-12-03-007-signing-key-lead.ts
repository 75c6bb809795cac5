import type { Kysely } from "kysely";

// Frozen in time (see 001). A rotated-in key is published at once but signs only from
// `activates_at`, so every verifier has had time to fetch it first (DESIGN §5). Null: signs from
// creation (the first key of an environment, and keys made before this migration).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("signing_keys").addColumn("activates_at", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("signing_keys").dropColumn("activates_at").execute();
}
