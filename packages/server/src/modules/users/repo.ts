import type { Db, InvitationRow, MembershipRow, PasswordResetRow, UserRow, UserSessionRow } from "../../db/types.js";

export function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
}

export function findUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function insertUser(db: Db, row: UserRow): Promise<void> {
  await db.insertInto("users").values(row).execute();
}

export async function updateUser(db: Db, id: string, patch: Partial<UserRow>): Promise<void> {
  await db.updateTable("users").set(patch).where("id", "=", id).execute();
}

export function listMemberships(db: Db, userId: string) {
  return db
    .selectFrom("memberships as m")
    .innerJoin("tenants as t", "t.id", "m.tenant_id")
    .selectAll("m")
    .select("t.slug as tenant_slug")
    .where("m.user_id", "=", userId)
    .orderBy("t.slug")
    .execute();
}

export function findMembership(db: Db, userId: string, tenantId: string): Promise<MembershipRow | undefined> {
  return db
    .selectFrom("memberships")
    .selectAll()
    .where("user_id", "=", userId)
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
}

export function listTenantMembers(db: Db, tenantId: string) {
  return db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["u.id", "u.email", "u.name", "u.created_at", "m.role", "m.environments"])
    .where("m.tenant_id", "=", tenantId)
    .orderBy("u.email")
    .execute();
}

export async function upsertMembership(db: Db, row: MembershipRow): Promise<void> {
  await db
    .insertInto("memberships")
    .values(row)
    .onConflict((oc) =>
      oc.columns(["user_id", "tenant_id"]).doUpdateSet({ role: row.role, environments: row.environments }),
    )
    .execute();
}

export async function updateMembership(db: Db, userId: string, tenantId: string, patch: Partial<MembershipRow>) {
  return db
    .updateTable("memberships")
    .set(patch)
    .where("user_id", "=", userId)
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
}

export async function deleteMembership(db: Db, userId: string, tenantId: string) {
  return db
    .deleteFrom("memberships")
    .where("user_id", "=", userId)
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
}

export async function insertSession(db: Db, row: UserSessionRow): Promise<void> {
  await db.insertInto("user_sessions").values(row).execute();
}

export function findSessionByRefresh(db: Db, refreshHash: string): Promise<UserSessionRow | undefined> {
  return db.selectFrom("user_sessions").selectAll().where("refresh_hash", "=", refreshHash).executeTakeFirst();
}

/** The live row of a family: the one refresh token not yet used. */
export function findLiveSession(db: Db, familyId: string): Promise<UserSessionRow | undefined> {
  return db
    .selectFrom("user_sessions")
    .selectAll()
    .where("family_id", "=", familyId)
    .where("rotated_at", "is", null)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

/** Marks a refresh token used, only if it was still unused: two refreshes racing get one winner. */
export async function rotateSession(db: Db, id: string, now: string): Promise<boolean> {
  const r = await db
    .updateTable("user_sessions")
    .set({ rotated_at: now })
    .where("id", "=", id)
    .where("rotated_at", "is", null)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function revokeFamily(db: Db, familyId: string, now: string): Promise<void> {
  await db
    .updateTable("user_sessions")
    .set({ revoked_at: now })
    .where("family_id", "=", familyId)
    .where("revoked_at", "is", null)
    .execute();
}

/** The live row of each of a user's sessions, with the family's first sign-in (`started_at`). */
export function listLiveSessions(db: Db, userId: string, now: string) {
  return db
    .selectFrom("user_sessions as s")
    .selectAll("s")
    .select((eb) =>
      eb
        .selectFrom("user_sessions as f")
        .select((f) => f.fn.min<string>("f.created_at").as("started"))
        .whereRef("f.family_id", "=", "s.family_id")
        .as("started_at"),
    )
    .where("s.user_id", "=", userId)
    .where("s.rotated_at", "is", null)
    .where("s.revoked_at", "is", null)
    .where("s.expires_at", ">", now)
    .orderBy("s.created_at", "desc")
    .execute();
}

/** Ends every session of a user but one (after a password change), or all of them (`keep` null). */
export async function revokeOtherFamilies(db: Db, userId: string, keep: string | null, now: string): Promise<void> {
  let q = db
    .updateTable("user_sessions")
    .set({ revoked_at: now })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null);
  if (keep) q = q.where("family_id", "!=", keep);
  await q.execute();
}

export async function insertPasswordReset(db: Db, row: PasswordResetRow): Promise<void> {
  await db.insertInto("password_resets").values(row).execute();
}

export function findPasswordReset(db: Db, tokenHash: string): Promise<PasswordResetRow | undefined> {
  return db.selectFrom("password_resets").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
}

/** Uses a reset token once: of two racing uses, one wins. */
export async function usePasswordReset(db: Db, id: string, now: string): Promise<boolean> {
  const r = await db
    .updateTable("password_resets")
    .set({ used_at: now })
    .where("id", "=", id)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A new token makes the older unused ones of the user worthless. */
export async function expirePasswordResets(db: Db, userId: string, now: string): Promise<void> {
  await db
    .updateTable("password_resets")
    .set({ used_at: now })
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .execute();
}

export async function insertInvitation(db: Db, row: InvitationRow): Promise<void> {
  await db.insertInto("invitations").values(row).execute();
}

export function findInvitationByToken(db: Db, tokenHash: string): Promise<InvitationRow | undefined> {
  return db.selectFrom("invitations").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
}

/** Accepts an invitation once: a second use of the same token finds it taken. */
export async function acceptInvitation(db: Db, id: string, now: string): Promise<boolean> {
  const r = await db
    .updateTable("invitations")
    .set({ accepted_at: now })
    .where("id", "=", id)
    .where("accepted_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function countPlatformUsers(db: Db) {
  return db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("platform_role", "is not", null)
    .executeTakeFirstOrThrow();
}
