import type { MiddlewareHandler } from "hono";
import type { Db } from "../db/types.js";
import { ApiError, isUniqueViolation } from "../errors.js";
import { type SecretBox, sha256Hex } from "../lib/crypto.js";
import type { AppEnv } from "./env.js";

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** A stored response answers replays for a day, like Stripe's; after that the key may be reused. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
/**
 * A key still marked in flight after this long belongs to a request whose process died before it
 * could finish or release it; a retry may take it over instead of seeing 409 forever.
 */
export const IDEMPOTENCY_LOCK_TTL_MS = 5 * 60 * 1000;

/**
 * `Idempotency-Key` on a mutating POST: the first successful response is stored, a replay with the
 * same body gets it back (with `idempotent-replayed: true`), the same key with a different body is
 * 409, and a replay while the first is still running is 409 too. Failed responses (4xx, 5xx) are
 * not kept, so a corrected retry with the same key goes through. Keys are scoped to the
 * credential that sent them (and its tenant + environment). The same key on another endpoint
 * hashes differently: a 409, never a replay.
 */
export function idempotency(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined) return next();
    if (!KEY_PATTERN.test(key)) {
      throw new ApiError("VALIDATION_FAILED", "Idempotency-Key must be 1–255 printable ASCII characters", {
        errors: [{ path: "header.idempotency-key", message: "must be 1–255 printable ASCII characters" }],
      });
    }
    const principal = c.get("principal");
    // Bound to the credential, not only its tenant: a stored response (a new key's secret, say)
    // is only ever replayed to the credential that made the request. Another key of the same
    // tenant sending the same Idempotency-Key makes a request of its own.
    const scope =
      principal.kind === "tenant"
        ? `${principal.scope.tenantId}/${principal.scope.environmentId}/${principal.keyId}`
        : `platform/${principal.keyId}`;
    // Hono caches the raw body, so the validator after this middleware still reads it.
    const body = await c.req.text();
    const requestHash = sha256Hex(`${c.req.method} ${c.req.path}\n${body}`);
    const { db, clock, secrets } = c.get("deps");
    // Stored responses can hold secrets shown once (new API keys) and personal data: sealed at rest,
    // bound to this scope and key so that one row cannot be replayed as another.
    const purpose = `idempotency/${scope}/${key}`;
    const now = clock.now();
    const where = { scope, key };

    try {
      await db
        .insertInto("idempotency_keys")
        .values({
          ...where,
          request_hash: requestHash,
          status_code: null,
          response_body: null,
          created_at: now.toISOString(),
        })
        .execute();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const stored = await db
        .selectFrom("idempotency_keys")
        .selectAll()
        .where("scope", "=", scope)
        .where("key", "=", key)
        .executeTakeFirst();
      // Deleted between our insert and this read: the first request failed; the caller can retry.
      if (!stored) throw new ApiError("IDEMPOTENCY_KEY_IN_USE", "Retry the request");
      const age = now.getTime() - Date.parse(stored.created_at);
      const stale = stored.status_code === null ? age > IDEMPOTENCY_LOCK_TTL_MS : age > IDEMPOTENCY_RETENTION_MS;
      if (!stale || !(await takeOver(db, where, stored.created_at, requestHash, now.toISOString()))) {
        if (stored.request_hash !== requestHash) {
          throw new ApiError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different request");
        }
        if (stored.status_code === null) throw new ApiError("IDEMPOTENCY_KEY_IN_USE");
        const replay = stored.response_body ? secrets.open(stored.response_body, purpose) : "";
        return c.body(replay, stored.status_code as 200, {
          "content-type": "application/json",
          "idempotent-replayed": "true",
        });
      }
    }

    const release = () => db.deleteFrom("idempotency_keys").where("scope", "=", scope).where("key", "=", key).execute();
    try {
      await next();
    } catch (error) {
      await release();
      throw error;
    }
    // Errors thrown by handlers are rendered before this middleware resumes; c.error tells us.
    if (c.error || c.res.status >= 400) {
      await release();
      return;
    }
    const text = await c.res.clone().text();
    await db
      .updateTable("idempotency_keys")
      .set({ status_code: c.res.status, response_body: secrets.seal(text, purpose) })
      .where("scope", "=", scope)
      .where("key", "=", key)
      .execute();
  };
}

/** Claims an expired or abandoned key; false when another request claimed it first. */
async function takeOver(
  db: Db,
  where: { scope: string; key: string },
  seenCreatedAt: string,
  requestHash: string,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable("idempotency_keys")
    .set({ request_hash: requestHash, status_code: null, response_body: null, created_at: now })
    .where("scope", "=", where.scope)
    .where("key", "=", where.key)
    .where("created_at", "=", seenCreatedAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Erasure: deletes the stored responses of one tenant environment that mention `needle` (a
 * customer id), so a replay can never hand back personal data that was erased. They are sealed,
 * so each is opened to look; retention keeps them few.
 */
export async function forgetIdempotentResponses(
  db: Db,
  secrets: SecretBox,
  scope: { tenantId: string; environmentId: string },
  needle: string,
): Promise<number> {
  // Keys are scoped to a credential of the environment: `<tenant>/<environment>/<credential>`.
  const prefix = `${scope.tenantId}/${scope.environmentId}/`;
  const rows = await db
    .selectFrom("idempotency_keys")
    .select(["scope", "key", "response_body"])
    .where("scope", "like", `${prefix}%`)
    .where("response_body", "is not", null)
    .execute();
  let forgotten = 0;
  for (const row of rows) {
    if (!secrets.open(row.response_body ?? "", `idempotency/${row.scope}/${row.key}`).includes(needle)) continue;
    await db.deleteFrom("idempotency_keys").where("scope", "=", row.scope).where("key", "=", row.key).execute();
    forgotten++;
  }
  return forgotten;
}
