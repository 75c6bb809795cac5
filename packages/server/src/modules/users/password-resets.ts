import { RateLimiterRes } from "rate-limiter-flexible";
import type { Deps } from "../../context.js";
import { withSystemAccess } from "../../db/access.js";
import type { Db } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { sharedCounter } from "../../http/rate-limit.js";
import { randomSecret, sha256Hex } from "../../lib/crypto.js";
import { newId } from "../../lib/ids.js";
import type { MemberCaller, MembersService } from "./members.js";
import { hashPassword } from "./passwords.js";
import * as repo from "./repo.js";

/** How the reset token reaches the user (e-mail, in production). Without one, `forgot` sends nothing. */
export type PasswordResetSender = (message: { email: string; token: string; expires_at: string }) => Promise<void>;

export const RESET_TTL_MS = 30 * 60_000;
/** Reset e-mails per account per hour, and reset requests or attempts per client address per hour. */
export const RESETS_PER_ACCOUNT = 3;
export const RESETS_PER_ADDRESS = 20;

const INVALID = "The reset token is invalid, used or expired";

/**
 * One-time password reset tokens (docs/security.md "Passwords"): 256-bit, stored as SHA-256
 * hashes, valid 30 minutes, used once; a new one voids the older. Asked for by the user through
 * `forgot` (which answers the same whether or not the email exists) or issued by a tenant admin for
 * a user who belongs to that tenant only. Using one ends every session of the user.
 */
export function passwordResets(
  deps: Pick<Deps, "db" | "dialect" | "clock" | "logger">,
  o: {
    sender: PasswordResetSender | undefined;
    recordForUser: (tx: Db, userId: string, action: string, meta: { requestId?: string | undefined }) => Promise<void>;
    clearLockout: (email: string) => Promise<void>;
  },
) {
  const { db, clock, logger } = deps;
  const perAccount = sharedCounter(deps, {
    keyPrefix: "reset_account",
    points: RESETS_PER_ACCOUNT,
    durationSeconds: 3600,
  });
  const perAddress = sharedCounter(deps, { keyPrefix: "reset_ip", points: RESETS_PER_ADDRESS, durationSeconds: 3600 });
  const now = () => clock.now().toISOString();

  /** Draws one from a counter: false when spent. A store that cannot answer does not lock people out. */
  async function take(counter: typeof perAccount, key: string): Promise<boolean> {
    try {
      await counter.consume(key);
      return true;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return false;
      logger.warn({ err: rejection }, "password reset throttle unavailable; request let through");
      return true;
    }
  }

  async function limitAddress(ip: string | null) {
    if (ip && !(await take(perAddress, ip))) {
      throw new ApiError("RATE_LIMITED", "Too many password reset requests from this address: try again later");
    }
  }

  async function newToken(tx: Db, userId: string, requestedBy: string) {
    const token = `tpr_${randomSecret(32)}`;
    const expiresAt = new Date(clock.now().getTime() + RESET_TTL_MS).toISOString();
    await repo.expirePasswordResets(tx, userId, now());
    await repo.insertPasswordReset(tx, {
      id: newId("password_reset"),
      user_id: userId,
      token_hash: sha256Hex(token),
      requested_by: requestedBy,
      created_at: now(),
      expires_at: expiresAt,
      used_at: null,
    });
    return { token, expires_at: expiresAt };
  }

  return {
    /** `forgot`: sends a token when the email has an account; the answer never says which. */
    async request(email: string, meta: { ip: string | null; requestId?: string | undefined }) {
      await limitAddress(meta.ip);
      const address = email.toLowerCase();
      // Counted per email whether or not it exists, and silently: a refusal would say nothing
      // about the account, but a quiet drop says even less.
      if (!(await take(perAccount, sha256Hex(address)))) return;
      const user = await repo.findUserByEmail(db, address);
      if (!user) return;
      const issued = await db.transaction().execute(async (tx) => {
        const t = await newToken(tx, user.id, "self");
        await o.recordForUser(tx, user.id, "user.password_reset_requested", meta);
        return t;
      });
      if (!o.sender) {
        logger.warn({ user: user.id }, "password reset requested but no sender is configured: nothing was sent");
        return;
      }
      await o.sender({ email: user.email, ...issued }).catch((error) => {
        logger.error({ err: error, user: user.id }, "sending a password reset failed");
      });
    },

    /** Sets a new password with a token; every session of the user ends, and a lockout is lifted. */
    async reset(input: { token: string; new_password: string }, meta: { ip: string | null; requestId?: string }) {
      await limitAddress(meta.ip);
      const row = await repo.findPasswordReset(db, sha256Hex(input.token));
      if (!row || row.used_at || row.expires_at <= now()) throw new ApiError("NOT_FOUND", INVALID);
      const hash = await hashPassword(input.new_password);
      const user = await db.transaction().execute(async (tx) => {
        if (!(await repo.usePasswordReset(tx, row.id, now()))) throw new ApiError("NOT_FOUND", INVALID);
        await repo.updateUser(tx, row.user_id, { password_hash: hash, updated_at: now() });
        await repo.revokeOtherFamilies(tx, row.user_id, null, now());
        await o.recordForUser(tx, row.user_id, "user.password_reset", meta);
        return repo.findUser(tx, row.user_id);
      });
      if (user) await o.clearLockout(user.email);
      return { ok: true as const };
    },

    /**
     * A tenant admin's token for one of the tenant's users. Only for a user of this tenant alone:
     * an account that reaches other tenants (or the platform) is not this tenant's to take over.
     */
    async issue(tenantId: string, userId: string, caller: MemberCaller, members: MembersService) {
      await members.assertMayChange(tenantId, userId, caller);
      const user = await repo.findUser(db, userId);
      // Other tenants' memberships are invisible in this tenant's access: look across on purpose.
      const memberships = await withSystemAccess(() => repo.listMemberships(db, userId));
      if (!user || user.platform_role || memberships.some((m) => m.tenant_id !== tenantId)) {
        throw new ApiError(
          "FORBIDDEN",
          "This user also belongs to other tenants or the platform: they reset their own password (/v1/auth/password/forgot)",
        );
      }
      if (!(await take(perAccount, sha256Hex(user.email)))) {
        throw new ApiError("RATE_LIMITED", "Too many password resets for this user: try again later");
      }
      const issued = await db.transaction().execute(async (tx) => {
        const t = await newToken(tx, userId, `${caller.actor.type}:${caller.actor.id}`);
        await o.recordForUser(tx, userId, "user.password_reset_issued", { requestId: caller.requestId });
        return t;
      });
      return { object: "password_reset" as const, user: userId, ...issued };
    },
  };
}
