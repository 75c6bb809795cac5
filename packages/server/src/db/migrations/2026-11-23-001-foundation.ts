import type { Kysely } from "kysely";

// Frozen in time: migrations never import app code, so later changes cannot rewrite history.
// Column types are chosen to mean the same on SQLite and Postgres (text / integer / bigint).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("tenants")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("environments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("environments_tenant_name", ["tenant_id", "name"])
    .execute();

  await db.schema
    .createTable("platform_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text")
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("secret_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_used_at", "text")
    .addColumn("revoked_at", "text")
    .execute();

  await db.schema
    .createTable("api_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("name", "text")
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("secret_hash", "text", (c) => c.notNull().unique())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_used_at", "text")
    .addColumn("revoked_at", "text")
    .execute();
  await db.schema.createIndex("api_keys_scope").on("api_keys").columns(["tenant_id", "environment_id", "id"]).execute();

  await db.schema
    .createTable("entitlements")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("levels", "text")
    .addColumn("period", "text")
    .addColumn("content_ids", "text")
    .addColumn("metadata", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("entitlements_env_key", ["environment_id", "key"])
    .execute();

  await db.schema
    .createTable("bundles")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("metadata", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("bundles_env_key", ["environment_id", "key"])
    .execute();

  await db.schema
    .createTable("bundle_entitlements")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull())
    .addColumn("bundle_id", "text", (c) => c.notNull().references("bundles.id").onDelete("cascade"))
    .addColumn("entitlement_id", "text", (c) => c.notNull().references("entitlements.id"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("quota_limit", "bigint")
    .addColumn("tier_level", "text")
    .addColumn("content", "text")
    .addPrimaryKeyConstraint("bundle_entitlements_pk", ["bundle_id", "entitlement_id"])
    .execute();
  await db.schema.createIndex("bundle_entitlements_ent").on("bundle_entitlements").column("entitlement_id").execute();

  await db.schema
    .createTable("prices")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull())
    .addColumn("bundle_id", "text", (c) => c.notNull().references("bundles.id").onDelete("cascade"))
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("amount", "bigint", (c) => c.notNull())
    .addColumn("interval", "text", (c) => c.notNull())
    .addColumn("interval_count", "integer", (c) => c.notNull())
    .addColumn("trial_days", "integer", (c) => c.notNull())
    .addColumn("term_count", "integer")
    .addColumn("nickname", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("prices_bundle").on("prices").column("bundle_id").execute();

  await db.schema
    .createTable("storefronts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("channels", "text", (c) => c.notNull())
    .addColumn("payment_providers", "text", (c) => c.notNull())
    .addColumn("fiscal_provider", "text")
    .addColumn("credentials_encrypted", "text")
    .addColumn("dunning", "text", (c) => c.notNull())
    .addColumn("metadata", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("storefronts_env_key", ["environment_id", "key"])
    .execute();

  await db.schema
    .createTable("storefront_bundles")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull())
    .addColumn("storefront_id", "text", (c) => c.notNull().references("storefronts.id").onDelete("cascade"))
    .addColumn("bundle_id", "text", (c) => c.notNull().references("bundles.id"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("storefront_bundles_pk", ["storefront_id", "bundle_id"])
    .execute();
  await db.schema.createIndex("storefront_bundles_bundle").on("storefront_bundles").column("bundle_id").execute();

  await db.schema
    .createTable("customers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("storefront_id", "text", (c) => c.notNull().references("storefronts.id"))
    .addColumn("external_id", "text", (c) => c.notNull())
    .addColumn("email", "text")
    .addColumn("name", "text")
    .addColumn("country", "text")
    .addColumn("metadata", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("customers_storefront_external", ["storefront_id", "external_id"])
    .execute();
  await db.schema.createIndex("customers_env").on("customers").columns(["environment_id", "id"]).execute();

  await db.schema
    .createTable("idempotency_keys")
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("request_hash", "text", (c) => c.notNull())
    .addColumn("status_code", "integer")
    .addColumn("response_body", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("idempotency_keys_pk", ["scope", "key"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "idempotency_keys",
    "customers",
    "storefront_bundles",
    "storefronts",
    "prices",
    "bundle_entitlements",
    "bundles",
    "entitlements",
    "api_keys",
    "platform_keys",
    "environments",
    "tenants",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
