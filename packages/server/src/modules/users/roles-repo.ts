import type { Db, TenantRoleRow } from "../../db/types.js";

/* Custom roles are tenant-wide (no environment): every query filters on the tenant. */

export function listRoles(db: Db, tenantId: string): Promise<TenantRoleRow[]> {
  return db.selectFrom("tenant_roles").selectAll().where("tenant_id", "=", tenantId).orderBy("name").execute();
}

export function findRole(db: Db, tenantId: string, id: string): Promise<TenantRoleRow | undefined> {
  return db
    .selectFrom("tenant_roles")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id as TenantRoleRow["id"])
    .executeTakeFirst();
}

export async function insertRole(db: Db, row: TenantRoleRow): Promise<void> {
  await db.insertInto("tenant_roles").values(row).execute();
}

export async function updateRole(db: Db, tenantId: string, id: string, patch: Partial<TenantRoleRow>) {
  await db
    .updateTable("tenant_roles")
    .set(patch)
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id as TenantRoleRow["id"])
    .execute();
}

export async function deleteRole(db: Db, tenantId: string, id: string): Promise<void> {
  await db
    .deleteFrom("tenant_roles")
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id as TenantRoleRow["id"])
    .execute();
}

/** Whether a membership or an invitation not yet accepted holds the role. */
export async function roleInUse(db: Db, tenantId: string, id: string): Promise<boolean> {
  const member = await db
    .selectFrom("memberships")
    .select("user_id")
    .where("tenant_id", "=", tenantId)
    .where("role", "=", id as TenantRoleRow["id"])
    .limit(1)
    .executeTakeFirst();
  if (member) return true;
  const invited = await db
    .selectFrom("invitations")
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where("role", "=", id)
    .where("accepted_at", "is", null)
    .limit(1)
    .executeTakeFirst();
  return invited !== undefined;
}
