import type { Kysely } from "kysely";

/**
 * Custom tenant roles: a named set of permissions (JSON list) with optional per-environment
 * overrides (JSON object of environment name → list). Tenant-wide: no environment_id. Memberships
 * and invitations name a custom role by its id in their `role` column.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("tenant_roles")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("permissions", "text", (c) => c.notNull())
    .addColumn("environment_permissions", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("tenant_roles_name", ["tenant_id", "name"])
    .execute();
  await db.schema.createIndex("memberships_role").on("memberships").columns(["tenant_id", "role"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("memberships_role").execute();
  await db.schema.dropTable("tenant_roles").execute();
}
