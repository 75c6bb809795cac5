import {
  type Actor,
  type CreateInvitation,
  type EnableTotp,
  type PlatformRole,
  ROLE_PERMISSIONS,
  type User,
} from "@tessera/core";
import { Secret, TOTP } from "otpauth";
import { type Deps, SYSTEM_ACTOR } from "../../context.js";
import { withSystemAccess } from "../../db/access.js";
import type { Db, InvitationRow, MembershipRow, UserRow, UserSessionRow } from "../../db/types.js";
import { ApiError, isUniqueViolation, notFound } from "../../errors.js";
import { sharedCounter } from "../../http/rate-limit.js";
import { randomSecret, sha256Hex } from "../../lib/crypto.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import type { AuditService } from "../audit/service.js";
import { type MemberCaller, membersService } from "./members.js";
import { type PasswordResetSender, passwordResets } from "./password-resets.js";
import { DECOY_HASH, hashPassword, verifyPassword } from "./passwords.js";
import * as repo from "./repo.js";
import { rolesService } from "./roles.js";
import { ACCESS_TTL_SECONDS, sessionKeys } from "./session-keys.js";

/** A session (a family of rotating refresh tokens) lasts this long without a new sign-in. */
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
/** Failed sign-ins before an account is locked for LOCK_SECONDS; counted per email, known or not. */
export const MAX_FAILED_SIGN_INS = 5;
export const LOCK_SECONDS = 15 * 60;
const ATTEMPTS_PER_ADDRESS = 50;

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId?: string | undefined;
}

export interface UserAccess {
  user: UserRow;
  /** The session (family) the access token belongs to. */
  session: string;
}

/** What a user may do in one tenant and environment. */
export interface TenantAccess {
  /** A built-in role's name or a custom role's id. */
  role: string;
  permissions: readonly string[];
}

const FAILED = "The email, password or code is not right";

export function usersService(
  deps: Deps,
  o: {
    audit: Pick<AuditService, "recordTenantWide" | "recordPlatformWide">;
    sendPasswordReset?: PasswordResetSender | undefined;
  },
) {
  const { db, clock, secrets, logger } = deps;
  const keys = sessionKeys(deps);
  const roles = rolesService(deps);
  const members = membersService(deps, { roles, audit: o.audit });
  // Per email (hashed: the store keeps no addresses) and per client address, in the shared store:
  // on Postgres every replica counts the same failures, so a guesser gains nothing by spreading.
  const failedByEmail = sharedCounter(deps, {
    keyPrefix: "signin_email",
    points: MAX_FAILED_SIGN_INS,
    durationSeconds: LOCK_SECONDS,
  });
  const failedByAddress = sharedCounter(deps, {
    keyPrefix: "signin_ip",
    points: ATTEMPTS_PER_ADDRESS,
    durationSeconds: LOCK_SECONDS,
  });
  const emailKey = (email: string) => sha256Hex(email.toLowerCase());
  const now = () => clock.now().toISOString();

  /**
   * Records a change of a user in every tenant they belong to (a user has no chain of their own),
   * and in the platform chain when they are a platform user or belong to no tenant: a change is
   * never left out of every chain.
   */
  async function recordForUser(
    tx: Db,
    userId: string,
    action: string,
    meta: Pick<RequestMeta, "requestId">,
    data: Record<string, unknown> = {},
    actor: Actor = { type: "user", id: userId },
  ) {
    const entry = { kind: "action" as const, action, object: { id: userId, object: "user" }, actor, data };
    const memberships = await repo.listMemberships(tx, userId);
    for (const m of memberships) {
      await o.audit.recordTenantWide(tx, m.tenant_id, { ...entry, requestId: meta.requestId });
    }
    const user = await repo.findUser(tx, userId);
    if (user?.platform_role || memberships.length === 0) {
      await o.audit.recordPlatformWide(tx, { ...entry, requestId: meta.requestId });
    }
  }
  const resets = passwordResets(deps, {
    sender: o.sendPasswordReset,
    recordForUser,
    clearLockout: (email) => failedByEmail.delete(emailKey(email)).then(() => undefined),
  });

  async function toUser(row: UserRow): Promise<User> {
    const memberships = await repo.listMemberships(db, row.id);
    return {
      id: row.id,
      object: "user",
      email: row.email,
      name: row.name,
      platform_role: row.platform_role,
      totp_enabled: row.totp_enabled === 1,
      memberships: memberships.map((m) => ({
        tenant: m.tenant_id,
        tenant_slug: m.tenant_slug,
        role: m.role,
        environments: fromJson<"all" | string[]>(m.environments, "all"),
      })),
      created_at: row.created_at,
    };
  }

  async function issue(user: UserRow, meta: RequestMeta, familyId = newId("session")) {
    const refresh = `trt_${randomSecret(32)}`;
    const row: UserSessionRow = {
      id: newId("session"),
      user_id: user.id,
      family_id: familyId,
      refresh_hash: sha256Hex(refresh),
      created_at: now(),
      expires_at: new Date(clock.now().getTime() + SESSION_TTL_MS).toISOString(),
      rotated_at: null,
      revoked_at: null,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
      ip: meta.ip,
    };
    await repo.insertSession(db, row);
    return {
      object: "session_tokens" as const,
      access_token: await keys.sign({ sub: user.id, sid: familyId }),
      token_type: "Bearer" as const,
      expires_in: ACCESS_TTL_SECONDS,
      refresh_token: refresh,
      session: familyId,
      user: await toUser(user),
    };
  }

  async function locked(email: string): Promise<boolean> {
    const state = await failedByEmail.get(emailKey(email));
    return state !== null && state.consumedPoints >= MAX_FAILED_SIGN_INS;
  }

  async function fail(email: string, meta: RequestMeta): Promise<never> {
    await failedByEmail.penalty(emailKey(email), 1);
    if (meta.ip) await failedByAddress.penalty(meta.ip, 1);
    throw new ApiError("UNAUTHENTICATED", FAILED);
  }

  function totpOf(user: UserRow): TOTP | undefined {
    if (!user.totp_secret) return undefined;
    return new TOTP({
      issuer: "Tessera",
      label: user.email,
      secret: Secret.fromBase32(secrets.open(user.totp_secret, `totp/${user.id}`)),
    });
  }

  function codeValid(totp: TOTP, code: string): boolean {
    return totp.validate({ token: code, timestamp: clock.now().getTime(), window: 1 }) !== null;
  }

  async function createUserRow(
    input: { email: string; name?: string | undefined; password: string },
    platformRole: PlatformRole | null,
    /** Who creates it: the CLI (the system), or the person accepting an invitation ("self"). */
    by: Actor | "self" = SYSTEM_ACTOR,
  ): Promise<UserRow> {
    const row: UserRow = {
      id: newId("user"),
      email: input.email.toLowerCase(),
      name: input.name ?? null,
      password_hash: await hashPassword(input.password),
      platform_role: platformRole,
      totp_secret: null,
      totp_enabled: 0,
      created_at: now(),
      updated_at: now(),
    };
    try {
      await db.transaction().execute(async (tx) => {
        await repo.insertUser(tx, row);
        // A tenant user's creation is on the tenant's chain (they join it); a platform user's here.
        if (platformRole) {
          await o.audit.recordPlatformWide(tx, {
            kind: "action",
            action: "user.created",
            object: { id: row.id, object: "user" },
            after: { id: row.id, object: "user", platform_role: platformRole },
            actor: by === "self" ? { type: "user", id: row.id } : by,
          });
        }
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ApiError("ALREADY_EXISTS", "A user with that email exists");
      throw error;
    }
    return row;
  }

  async function invitation(
    d: Db,
    tenantId: string | null,
    input: { email: string; role: string; environments: "all" | string[] },
    createdBy: string | null,
  ) {
    const token = `tiv_${randomSecret(32)}`;
    const row: InvitationRow = {
      id: newId("invitation"),
      tenant_id: tenantId,
      email: input.email.toLowerCase(),
      role: input.role,
      environments: toJson(input.environments),
      token_hash: sha256Hex(token),
      created_by: createdBy,
      created_at: now(),
      expires_at: new Date(clock.now().getTime() + INVITATION_TTL_MS).toISOString(),
      accepted_at: null,
    };
    await repo.insertInvitation(d, row);
    return {
      id: row.id,
      object: "invitation" as const,
      email: row.email,
      role: input.role,
      environments: input.environments,
      expires_at: row.expires_at,
      accepted_at: null,
      token,
    };
  }

  // Users, their sessions and invitations span tenants: the service checks a user's access per
  // tenant itself, and reads these tables in system mode (db/access.ts) on Postgres. What a tenant
  // route does to its own members and roles (tenantScoped below) runs in that tenant's access.
  const systemWide = systemAccessFor({
    toUser,

    /** The first platform admin, or any user, made from the CLI. */
    async createUser(input: { email: string; name?: string; password: string; platformRole?: PlatformRole }) {
      return toUser(await createUserRow(input, input.platformRole ?? null));
    },

    async hasPlatformUsers(): Promise<boolean> {
      return Number((await repo.countPlatformUsers(db)).n) > 0;
    },

    /** A one-time invitation to become a platform user (the console's first-admin link). */
    invitePlatformUser(input: { email: string; role: PlatformRole }) {
      return db.transaction().execute(async (tx) => {
        const created = await invitation(tx, null, { ...input, environments: "all" }, null);
        await o.audit.recordPlatformWide(tx, {
          kind: "action",
          action: "invitation.created",
          object: { id: created.id, object: "invitation" },
          after: { id: created.id, object: "invitation", role: input.role, expires_at: created.expires_at },
          actor: SYSTEM_ACTOR,
        });
        return created;
      });
    },

    async login(input: { email: string; password: string; totp?: string | undefined }, meta: RequestMeta) {
      const email = input.email.toLowerCase();
      if (meta.ip && ((await failedByAddress.get(meta.ip))?.consumedPoints ?? 0) >= ATTEMPTS_PER_ADDRESS) {
        throw new ApiError("RATE_LIMITED", "Too many failed sign-ins from this address: try again later");
      }
      // Said the same way whether or not the email exists.
      if (await locked(email)) throw new ApiError("ACCOUNT_LOCKED", `Try again in ${LOCK_SECONDS / 60} minutes`);
      const user = await repo.findUserByEmail(db, email);
      const passwordOk = await verifyPassword(input.password, user?.password_hash ?? DECOY_HASH);
      if (!user || !passwordOk) return fail(email, meta);
      const totp = user.totp_enabled ? totpOf(user) : undefined;
      if (totp && !(input.totp && codeValid(totp, input.totp))) return fail(email, meta);
      await failedByEmail.delete(emailKey(email));
      return issue(user, meta);
    },

    /** A new access token and refresh token; a refresh token used twice revokes its whole session. */
    async refresh(token: string, meta: RequestMeta) {
      const row = await repo.findSessionByRefresh(db, sha256Hex(token));
      const invalid = () => new ApiError("UNAUTHENTICATED", "The refresh token is invalid, used or expired");
      if (!row || row.revoked_at || row.expires_at <= now()) throw invalid();
      if (row.rotated_at || !(await repo.rotateSession(db, row.id, now()))) {
        // Someone holds an old token: the thief or the owner, we cannot tell. End the session.
        await db.transaction().execute(async (tx) => {
          await repo.revokeFamily(tx, row.family_id, now());
          await recordForUser(
            tx,
            row.user_id,
            "user.session_revoked",
            meta,
            { session: row.family_id, reason: "refresh_token_reused" },
            SYSTEM_ACTOR,
          );
        });
        logger.warn({ session: row.family_id, user: row.user_id }, "refresh token reused: session revoked");
        throw invalid();
      }
      const user = await repo.findUser(db, row.user_id);
      if (!user) throw invalid();
      return issue(user, meta, row.family_id);
    },

    /** The user behind an access token whose session is still live, or undefined. */
    async authenticate(accessToken: string): Promise<UserAccess | undefined> {
      const claims = await keys.verify(accessToken);
      if (!claims) return undefined;
      const live = await repo.findLiveSession(db, claims.sid);
      if (!live || live.user_id !== claims.sub || live.expires_at <= now()) return undefined;
      const user = await repo.findUser(db, claims.sub);
      return user ? { user, session: claims.sid } : undefined;
    },

    /** A user's role and permissions in a tenant + environment, or undefined when they have none. */
    async tenantAccess(user: UserRow, tenantId: string, environment: string): Promise<TenantAccess | undefined> {
      if (user.platform_role) return { role: user.platform_role, permissions: ROLE_PERMISSIONS[user.platform_role] };
      const membership = await repo.findMembership(db, user.id, tenantId);
      if (!membership) return undefined;
      const environments = fromJson<"all" | string[]>(membership.environments, "all");
      if (environments !== "all" && !environments.includes(environment)) return undefined;
      const permissions = await roles.permissionsIn(db, tenantId, membership.role, environment);
      return permissions ? { role: membership.role, permissions } : undefined;
    },

    async listSessions(userId: string, current: string) {
      // One query: each live row with its family's first sign-in.
      const rows = await repo.listLiveSessions(db, userId, now());
      return {
        object: "list" as const,
        data: rows.map((r) => ({
          id: r.family_id,
          object: "session" as const,
          created_at: r.started_at ?? r.created_at,
          last_refreshed_at: r.created_at,
          expires_at: r.expires_at,
          user_agent: r.user_agent,
          ip: r.ip,
          current: r.family_id === current,
        })),
        has_more: false,
        next_cursor: null,
      };
    },

    async revokeSession(userId: string, familyId: string, meta: Pick<RequestMeta, "requestId"> = {}): Promise<void> {
      const live = await repo.findLiveSession(db, familyId);
      if (!live || live.user_id !== userId) throw notFound("session", familyId);
      await db.transaction().execute(async (tx) => {
        await repo.revokeFamily(tx, familyId, now());
        await recordForUser(tx, userId, "user.session_revoked", meta, { session: familyId });
      });
    },

    /** A new password for a signed-in user who knows the current one; their other sessions end. */
    async changePassword(
      userId: string,
      currentSession: string,
      input: { current_password: string; new_password: string },
      meta: RequestMeta,
    ) {
      const user = await repo.findUser(db, userId);
      if (!user) throw new ApiError("UNAUTHENTICATED");
      if (await locked(user.email)) throw new ApiError("ACCOUNT_LOCKED", `Try again in ${LOCK_SECONDS / 60} minutes`);
      // A wrong current password counts like a failed sign-in: a stolen session cannot guess it.
      if (!(await verifyPassword(input.current_password, user.password_hash))) return fail(user.email, meta);
      const hash = await hashPassword(input.new_password);
      await db.transaction().execute(async (tx) => {
        await repo.updateUser(tx, userId, { password_hash: hash, updated_at: now() });
        await repo.revokeOtherFamilies(tx, userId, currentSession, now());
        await recordForUser(tx, userId, "user.password_changed", meta, { other_sessions_revoked: true });
      });
      return { ok: true as const };
    },

    requestPasswordReset: (email: string, meta: RequestMeta) => resets.request(email, meta),
    resetPassword: (input: { token: string; new_password: string }, meta: RequestMeta) => resets.reset(input, meta),

    /** Turns two-factor off: needs the password and a current code, like a sign-in. */
    async disableTotp(userId: string, input: { password: string; code: string }, meta: RequestMeta) {
      const user = await repo.findUser(db, userId);
      const totp = user?.totp_enabled ? totpOf(user) : undefined;
      if (!user || !totp) throw new ApiError("CONFLICT", "Two-factor authentication is not on");
      if (await locked(user.email)) throw new ApiError("ACCOUNT_LOCKED", `Try again in ${LOCK_SECONDS / 60} minutes`);
      const ok = (await verifyPassword(input.password, user.password_hash)) && codeValid(totp, input.code);
      if (!ok) return fail(user.email, meta);
      await db.transaction().execute(async (tx) => {
        await repo.updateUser(tx, userId, { totp_enabled: 0, totp_secret: null, updated_at: now() });
        await recordForUser(tx, userId, "user.totp_disabled", meta);
      });
      return toUser({ ...user, totp_enabled: 0, totp_secret: null });
    },

    /** A new TOTP secret, not yet required: enabling it needs one valid code. */
    async setupTotp(user: UserRow) {
      if (user.totp_enabled) throw new ApiError("CONFLICT", "Two-factor authentication is already on");
      const secret = new Secret({ size: 20 });
      await repo.updateUser(db, user.id, {
        totp_secret: secrets.seal(secret.base32, `totp/${user.id}`),
        updated_at: now(),
      });
      const totp = new TOTP({ issuer: "Tessera", label: user.email, secret });
      return { object: "totp_setup" as const, secret: secret.base32, otpauth_url: totp.toString() };
    },

    async enableTotp(userId: string, input: EnableTotp, meta: Pick<RequestMeta, "requestId"> = {}) {
      const user = await repo.findUser(db, userId);
      const totp = user ? totpOf(user) : undefined;
      if (!user || !totp) throw new ApiError("CONFLICT", "Set up two-factor authentication first");
      if (!codeValid(totp, input.code)) throw new ApiError("VALIDATION_FAILED", "The code is not right");
      await db.transaction().execute(async (tx) => {
        await repo.updateUser(tx, userId, { totp_enabled: 1, updated_at: now() });
        await recordForUser(tx, userId, "user.totp_enabled", meta);
      });
      return toUser({ ...user, totp_enabled: 1 });
    },

    async acceptInvitation(input: { token: string; name?: string | undefined; password: string }, meta: RequestMeta) {
      const row = await repo.findInvitationByToken(db, sha256Hex(input.token));
      if (!row || row.accepted_at || row.expires_at <= now()) {
        throw new ApiError("NOT_FOUND", "The invitation is invalid, used or expired");
      }
      const existing = await repo.findUserByEmail(db, row.email);
      // An existing account joins with its own password: the invitation alone does not prove who it is.
      if (existing && !(await verifyPassword(input.password, existing.password_hash))) {
        throw new ApiError("UNAUTHENTICATED", "Sign in with the existing account's password to accept");
      }
      if (!(await repo.acceptInvitation(db, row.id, now()))) {
        throw new ApiError("NOT_FOUND", "The invitation is invalid, used or expired");
      }
      const platformRole = row.tenant_id === null ? (row.role as PlatformRole) : null;
      const user =
        existing ??
        (await createUserRow({ email: row.email, name: input.name, password: input.password }, platformRole, "self"));
      if (existing && platformRole) {
        await db.transaction().execute(async (tx) => {
          await repo.updateUser(tx, existing.id, { platform_role: platformRole, updated_at: now() });
          await o.audit.recordPlatformWide(tx, {
            kind: "action",
            action: "user.platform_role_granted",
            object: { id: existing.id, object: "user" },
            before: { platform_role: existing.platform_role },
            after: { platform_role: platformRole },
            actor: { type: "user", id: existing.id },
            requestId: meta.requestId,
            data: { invitation: row.id },
          });
        });
      }
      const tenantId = row.tenant_id;
      if (tenantId) {
        const membership: MembershipRow = {
          user_id: user.id,
          tenant_id: tenantId,
          role: row.role as MembershipRow["role"],
          environments: row.environments,
          created_at: now(),
        };
        await db.transaction().execute(async (tx) => {
          await repo.upsertMembership(tx, membership);
          await o.audit.recordTenantWide(tx, tenantId, {
            kind: "action",
            action: existing ? "user.joined" : "user.created",
            object: { id: user.id, object: "user" },
            after: { id: user.id, object: "member", role: row.role, environments: fromJson(row.environments, "all") },
            actor: { type: "user", id: user.id },
            requestId: meta.requestId,
            data: { invitation: row.id },
          });
        });
      }
      return issue((await repo.findUser(db, user.id))!, meta);
    },

    rotateSigningKey: () => keys.rotate(),
  });

  return {
    ...systemWide,
    roles,
    members,

    /** Invites someone to the caller's tenant: the role must be one the caller may hand out. */
    async invite(tenantId: string, input: CreateInvitation, caller: MemberCaller & { id: string }) {
      await members.assertInvitable(tenantId, input, caller);
      return db.transaction().execute(async (tx) => {
        const created = await invitation(tx, tenantId, input, caller.id);
        const { token: _, ...shown } = created;
        await members.recordInvited(tx, tenantId, caller, shown);
        return created;
      });
    },

    /** A one-time reset token issued by a tenant admin for one of the tenant's own users. */
    issuePasswordReset: (tenantId: string, userId: string, caller: MemberCaller) =>
      resets.issue(tenantId, userId, caller, members),
  };
}

/** Every method of `service`, run in system access. */
function systemAccessFor<T extends Record<string, unknown>>(service: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(service)) {
    wrapped[name] =
      typeof value === "function"
        ? (...args: unknown[]) => withSystemAccess(() => (value as (...a: unknown[]) => unknown)(...args))
        : value;
  }
  return wrapped as T;
}

export type UsersService = ReturnType<typeof usersService>;
