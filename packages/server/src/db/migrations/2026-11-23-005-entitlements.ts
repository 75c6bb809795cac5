import { type Kysely, sql } from "kysely";

// Frozen in time (see 001). Manual grants, metered usage (records + one counter row per customer,
// entitlement and window) and the per-environment keys that sign entitlement tokens.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("entitlement_grants")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id").onDelete("cascade"))
    // An entitlement that is deleted takes its grants with it: nothing is left that could resolve.
    .addColumn("entitlement_id", "text", (c) => c.notNull().references("entitlements.id").onDelete("cascade"))
    .addColumn("entitlement_key", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    // quota: the entitlement's period (fixed for its life), so resolving needs no catalog read.
    .addColumn("period", "text")
    .addColumn("quota_limit", "bigint")
    .addColumn("tier_level", "text")
    .addColumn("content", "text")
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("expires_at", "text")
    .addColumn("revoked_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("entitlement_grants_customer")
    .on("entitlement_grants")
    .columns(["environment_id", "customer_id"])
    .execute();

  await db.schema
    .createTable("usage_records")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id").onDelete("cascade"))
    .addColumn("entitlement_id", "text", (c) => c.notNull().references("entitlements.id").onDelete("cascade"))
    .addColumn("quantity", "bigint", (c) => c.notNull())
    .addColumn("window_start", "text", (c) => c.notNull())
    .addColumn("occurred_at", "text", (c) => c.notNull())
    // null for uses without a key; unique per customer otherwise (NULLs never collide in either dialect).
    .addColumn("idempotency_key", "text")
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("usage_records_idempotency", ["environment_id", "customer_id", "idempotency_key"])
    .execute();

  // The authoritative count: consuming checks update it with a conditional `used + n <= limit`.
  await db.schema
    .createTable("usage_counters")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id").onDelete("cascade"))
    .addColumn("entitlement_id", "text", (c) => c.notNull().references("entitlements.id").onDelete("cascade"))
    .addColumn("window_start", "text", (c) => c.notNull())
    .addColumn("used", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_counters_pk", ["environment_id", "customer_id", "entitlement_id", "window_start"])
    .execute();

  await db.schema
    .createTable("signing_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("alg", "text", (c) => c.notNull())
    .addColumn("public_jwk", "text", (c) => c.notNull())
    // SecretBox envelope of the PKCS#8 private key; erased once the key is retired.
    .addColumn("private_key_encrypted", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("rotated_at", "text")
    .addColumn("retires_at", "text")
    .execute();
  // At most one signing key per environment, even when two first tokens race to create it.
  await db.schema
    .createIndex("signing_keys_one_active")
    .on("signing_keys")
    .column("environment_id")
    .unique()
    .where(sql.ref("status"), "=", "active")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("signing_keys").ifExists().execute();
  await db.schema.dropTable("usage_counters").ifExists().execute();
  await db.schema.dropTable("usage_records").ifExists().execute();
  await db.schema.dropTable("entitlement_grants").ifExists().execute();
}
