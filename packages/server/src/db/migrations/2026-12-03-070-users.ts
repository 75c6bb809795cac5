import type { Kysely } from "kysely";

/**
 * People: users (platform or tenant staff), their memberships of tenants with a role, sessions
 * (one row per refresh token of a rotating family), invitations, and the keys that sign access
 * tokens. Emails are stored lower-cased; passwords as scrypt hashes; TOTP secrets sealed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("name", "text")
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("platform_role", "text")
    .addColumn("totp_secret", "text")
    .addColumn("totp_enabled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("memberships")
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id"))
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("environments", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("memberships_pk", ["user_id", "tenant_id"])
    .execute();
  await db.schema.createIndex("memberships_tenant").on("memberships").columns(["tenant_id"]).execute();

  await db.schema
    .createTable("user_sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    // The session as the user sees it; every refresh adds a row to the family.
    .addColumn("family_id", "text", (c) => c.notNull())
    .addColumn("refresh_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("rotated_at", "text")
    .addColumn("revoked_at", "text")
    .addColumn("user_agent", "text")
    .addColumn("ip", "text")
    .execute();
  await db.schema.createIndex("user_sessions_family").on("user_sessions").columns(["family_id"]).execute();
  await db.schema.createIndex("user_sessions_user").on("user_sessions").columns(["user_id"]).execute();

  await db.schema
    .createTable("invitations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.references("tenants.id"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("environments", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_by", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("accepted_at", "text")
    .execute();

  await db.schema
    .createTable("session_signing_keys")
    .addColumn("kid", "text", (c) => c.primaryKey())
    .addColumn("public_jwk", "text", (c) => c.notNull())
    .addColumn("private_key", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("retired_at", "text")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["session_signing_keys", "invitations", "user_sessions", "memberships", "users"]) {
    await db.schema.dropTable(table).execute();
  }
}
