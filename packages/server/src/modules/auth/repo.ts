import type { Kysely } from "kysely";
import { inScope } from "../../db/scope.js";
import type { ApiKeyRow, Database, Db, PlatformKeyRow } from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";
import { preparedQuery } from "../../lib/prepared.js";

export async function insertApiKey(db: Db, row: ApiKeyRow): Promise<void> {
  await db.insertInto("api_keys").values(row).execute();
}

/**
 * The key, for authentication: one indexed lookup on every request, so compiled once (never cached
 * as a result: a revoked key must fail at once). Its tenant and environment are tenancy's to tell.
 */
const apiKeyByHash = preparedQuery(["hash"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("api_keys")
    .select(["id", "name", "tenant_id", "environment_id", "scopes", "revoked_at", "last_used_at"])
    .where("secret_hash", "=", p.hash),
);

export async function findApiKeyByHash(db: Db, secretHash: string) {
  return (await apiKeyByHash(db, { hash: secretHash })).rows[0];
}

export function pageApiKeys(db: Db, tenantId: string, environmentId: string, page: PageQuery) {
  return paginate(db.selectFrom("api_keys").selectAll().where(inScope({ tenantId, environmentId })), "id", page);
}

export async function findApiKey(db: Db, tenantId: string, environmentId: string, id: string) {
  return db
    .selectFrom("api_keys")
    .selectAll()
    .where(inScope({ tenantId, environmentId }))
    .where("id", "=", id)
    .executeTakeFirst();
}

export async function revokeApiKey(db: Db, tenantId: string, environmentId: string, id: string, at: string) {
  await db
    .updateTable("api_keys")
    .set({ revoked_at: at })
    .where(inScope({ tenantId, environmentId }))
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .execute();
}

export async function touchApiKey(db: Db, id: string, at: string): Promise<void> {
  await db.updateTable("api_keys").set({ last_used_at: at }).where("id", "=", id).execute();
}

export async function insertPlatformKey(db: Db, row: PlatformKeyRow): Promise<void> {
  await db.insertInto("platform_keys").values(row).execute();
}

export async function findPlatformKeyByHash(db: Db, secretHash: string) {
  return db.selectFrom("platform_keys").selectAll().where("secret_hash", "=", secretHash).executeTakeFirst();
}

export async function touchPlatformKey(db: Db, id: string, at: string): Promise<void> {
  await db.updateTable("platform_keys").set({ last_used_at: at }).where("id", "=", id).execute();
}

export async function listPlatformKeys(db: Db): Promise<PlatformKeyRow[]> {
  return db.selectFrom("platform_keys").selectAll().orderBy("id").execute();
}

/** true when a live key was revoked now. */
export async function revokePlatformKey(db: Db, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable("platform_keys")
    .set({ revoked_at: at })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
