import type { Deps } from "../../context.js";
import { withSystemAccess } from "../../db/access.js";
import type { Db } from "../../db/types.js";
import { isoNow } from "../../lib/clock.js";
import { randomSecret, sha256Hex } from "../../lib/crypto.js";
import type { UsersService } from "../users/service.js";

/*
 * First start: an installation with no platform admin prints a one-time link (`serve`'s banner)
 * whose page creates the first one. Each start without an admin makes a new link and voids the
 * unused ones; the link works once, for a day, and only while there is still no platform admin.
 */

const SETUP_TTL_MS = 24 * 3600 * 1000;

async function insertToken(db: Db, tokenHash: string, now: string, expiresAt: string) {
  await db.deleteFrom("console_setup_tokens").where("used_at", "is", null).execute();
  await db
    .insertInto("console_setup_tokens")
    .values({ token_hash: tokenHash, created_at: now, expires_at: expiresAt, used_at: null })
    .execute();
}

/** Marks a live token used; false when it is unknown, used or expired (compare-and-set). */
async function useToken(db: Db, tokenHash: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable("console_setup_tokens")
    .set({ used_at: now })
    .where("token_hash", "=", tokenHash)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

async function tokenLive(db: Db, tokenHash: string, now: string): Promise<boolean> {
  const row = await db
    .selectFrom("console_setup_tokens")
    .select("token_hash")
    .where("token_hash", "=", tokenHash)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return Boolean(row);
}

export function consoleSetup(deps: Pick<Deps, "db" | "clock">, users: UsersService) {
  const now = () => isoNow(deps.clock);
  // The setup tokens and the users span tenants: system access on Postgres.
  return {
    /** The one-time setup URL, or undefined when a platform admin exists. */
    firstStartLink(baseUrl: string): Promise<string | undefined> {
      return withSystemAccess(async () => {
        if (await users.hasPlatformUsers()) return undefined;
        const token = `tst_${randomSecret(32)}`;
        const expiresAt = new Date(deps.clock.now().getTime() + SETUP_TTL_MS).toISOString();
        await insertToken(deps.db, sha256Hex(token), now(), expiresAt);
        return `${baseUrl.replace(/\/$/, "")}/console/setup?token=${token}`;
      });
    },

    linkValid(token: string): Promise<boolean> {
      return withSystemAccess(
        async () => !(await users.hasPlatformUsers()) && (await tokenLive(deps.db, sha256Hex(token), now())),
      );
    },

    /** Uses the link once: creates the platform admin, or answers false (used, expired, admin exists). */
    createFirstAdmin(token: string, input: { email: string; name?: string; password: string }): Promise<boolean> {
      return withSystemAccess(async () => {
        if (await users.hasPlatformUsers()) return false;
        if (!(await useToken(deps.db, sha256Hex(token), now()))) return false;
        await users.createUser({ ...input, platformRole: "platform_admin" });
        return true;
      });
    },
  };
}

export type ConsoleSetup = ReturnType<typeof consoleSetup>;
