import {
  type CreateInvitation,
  type EnableTotp,
  type PlatformRole,
  ROLE_PERMISSIONS,
  type TenantRole,
  type User,
} from "@tessera/core";
import { Secret, TOTP } from "otpauth";
import { RateLimiterMemory } from "rate-limiter-flexible";
import type { Deps } from "../../context.js";
import { withSystemAccess } from "../../db/access.js";
import type { InvitationRow, MembershipRow, UserRow, UserSessionRow } from "../../db/types.js";
import { ApiError, isUniqueViolation, notFound } from "../../errors.js";
import { randomSecret, sha256Hex } from "../../lib/crypto.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import { DECOY_HASH, hashPassword, verifyPassword } from "./passwords.js";
import * as repo from "./repo.js";
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
}

export interface UserAccess {
  user: UserRow;
  /** The session (family) the access token belongs to. */
  session: string;
}

/** What a user may do in one tenant and environment. */
export interface TenantAccess {
  role: TenantRole | PlatformRole;
  permissions: readonly string[];
}

const FAILED = "The email, password or code is not right";

export function usersService(deps: Deps) {
  const { db, clock, secrets, logger } = deps;
  const keys = sessionKeys(deps);
  // Per email and per address. In memory: a replica's own count is enough to stop guessing, and a
  // lock that outlives a restart is not worth a write on every failed attempt.
  const failedByEmail = new RateLimiterMemory({ points: MAX_FAILED_SIGN_INS, duration: LOCK_SECONDS });
  const failedByAddress = new RateLimiterMemory({ points: ATTEMPTS_PER_ADDRESS, duration: LOCK_SECONDS });
  const now = () => clock.now().toISOString();

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
    const state = await failedByEmail.get(email);
    return state !== null && state.consumedPoints >= MAX_FAILED_SIGN_INS;
  }

  async function fail(email: string, meta: RequestMeta): Promise<never> {
    await failedByEmail.penalty(email, 1);
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
      await repo.insertUser(db, row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ApiError("ALREADY_EXISTS", "A user with that email exists");
      throw error;
    }
    return row;
  }

  async function invitation(
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
    await repo.insertInvitation(db, row);
    return {
      id: row.id,
      object: "invitation" as const,
      email: row.email,
      role: input.role as TenantRole,
      environments: input.environments,
      expires_at: row.expires_at,
      accepted_at: null,
      token,
    };
  }

  // Users, their memberships, sessions and invitations span tenants: the service checks a user's
  // access per tenant itself, and reads these tables in system mode (db/access.ts) on Postgres.
  return systemAccessFor({
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
      return invitation(null, { ...input, environments: "all" }, null);
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
      await failedByEmail.delete(email);
      return issue(user, meta);
    },

    /** A new access token and refresh token; a refresh token used twice revokes its whole session. */
    async refresh(token: string, meta: RequestMeta) {
      const row = await repo.findSessionByRefresh(db, sha256Hex(token));
      const invalid = () => new ApiError("UNAUTHENTICATED", "The refresh token is invalid, used or expired");
      if (!row || row.revoked_at || row.expires_at <= now()) throw invalid();
      if (row.rotated_at || !(await repo.rotateSession(db, row.id, now()))) {
        // Someone holds an old token: the thief or the owner, we cannot tell. End the session.
        await repo.revokeFamily(db, row.family_id, now());
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
      return { role: membership.role, permissions: ROLE_PERMISSIONS[membership.role] };
    },

    async listSessions(userId: string, current: string) {
      const rows = await repo.listLiveSessions(db, userId, now());
      return {
        object: "list" as const,
        data: await Promise.all(
          rows.map(async (r) => ({
            id: r.family_id,
            object: "session" as const,
            created_at: (await repo.firstSessionOf(db, r.family_id))?.created_at ?? r.created_at,
            last_refreshed_at: r.created_at,
            expires_at: r.expires_at,
            user_agent: r.user_agent,
            ip: r.ip,
            current: r.family_id === current,
          })),
        ),
        has_more: false,
        next_cursor: null,
      };
    },

    async revokeSession(userId: string, familyId: string): Promise<void> {
      const live = await repo.findLiveSession(db, familyId);
      if (!live || live.user_id !== userId) throw notFound("session", familyId);
      await repo.revokeFamily(db, familyId, now());
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

    async enableTotp(userId: string, input: EnableTotp) {
      const user = await repo.findUser(db, userId);
      const totp = user ? totpOf(user) : undefined;
      if (!user || !totp) throw new ApiError("CONFLICT", "Set up two-factor authentication first");
      if (!codeValid(totp, input.code)) throw new ApiError("VALIDATION_FAILED", "The code is not right");
      await repo.updateUser(db, userId, { totp_enabled: 1, updated_at: now() });
      return toUser({ ...user, totp_enabled: 1 });
    },

    /** Invites someone to a tenant; only an owner-level caller can hand out the owner role. */
    async invite(tenantId: string, input: CreateInvitation, inviter: { id: string; ownerLevel: boolean }) {
      if (input.role === "owner" && !inviter.ownerLevel) {
        throw new ApiError("FORBIDDEN", "Only an owner can invite another owner");
      }
      return invitation(tenantId, input, inviter.id);
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
        (await createUserRow({ email: row.email, name: input.name, password: input.password }, platformRole));
      if (existing && platformRole)
        await repo.updateUser(db, existing.id, { platform_role: platformRole, updated_at: now() });
      if (row.tenant_id) {
        await repo.upsertMembership(db, {
          user_id: user.id,
          tenant_id: row.tenant_id,
          role: row.role as MembershipRow["role"],
          environments: row.environments,
          created_at: now(),
        });
      }
      return issue((await repo.findUser(db, user.id))!, meta);
    },

    async listMembers(tenantId: string) {
      const rows = await repo.listTenantMembers(db, tenantId);
      return {
        object: "list" as const,
        data: rows.map((r) => ({
          id: r.id,
          object: "member" as const,
          email: r.email,
          name: r.name,
          role: r.role,
          environments: fromJson<"all" | string[]>(r.environments, "all"),
          created_at: r.created_at,
        })),
        has_more: false,
        next_cursor: null,
      };
    },

    async updateMember(
      tenantId: string,
      userId: string,
      patch: { role?: TenantRole | undefined; environments?: "all" | string[] | undefined },
      caller: { ownerLevel: boolean },
    ) {
      const current = await repo.findMembership(db, userId, tenantId);
      if (!current) throw notFound("user", userId);
      if ((patch.role === "owner" || current.role === "owner") && !caller.ownerLevel) {
        throw new ApiError("FORBIDDEN", "Only an owner can grant or take the owner role");
      }
      await repo.updateMembership(db, userId, tenantId, {
        ...(patch.role ? { role: patch.role } : {}),
        ...(patch.environments ? { environments: toJson(patch.environments) } : {}),
      });
    },

    async removeMember(tenantId: string, userId: string, caller: { ownerLevel: boolean }) {
      const current = await repo.findMembership(db, userId, tenantId);
      if (!current) throw notFound("user", userId);
      if (current.role === "owner" && !caller.ownerLevel)
        throw new ApiError("FORBIDDEN", "Only an owner can remove an owner");
      await repo.deleteMembership(db, userId, tenantId);
    },

    rotateSigningKey: () => keys.rotate(),
  });
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
