import type { MiddlewareHandler } from "hono";
import { ApiError, isUniqueViolation } from "../errors.js";
import { isoNow } from "../lib/clock.js";
import { sha256Hex } from "../lib/crypto.js";
import type { AppEnv } from "./env.js";

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on a mutating POST: the first request's response is stored, a replay with the
 * same body gets it back (with `idempotent-replayed: true`), the same key with a different body is
 * 409, and a replay while the first is still running is 409 too. Responses of 5xx are not kept, so
 * the caller can retry. Keys are scoped to the credential's tenant + environment.
 */
export function idempotency(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined) return next();
    if (!KEY_PATTERN.test(key)) {
      throw new ApiError("VALIDATION_FAILED", "Idempotency-Key must be 1–255 printable ASCII characters", {
        errors: [{ path: "header.idempotency-key", message: "invalid" }],
      });
    }
    const principal = c.get("principal");
    const scope =
      principal.kind === "tenant"
        ? `${principal.scope.tenantId}/${principal.scope.environmentId}`
        : `platform/${principal.keyId}`;
    const body = await c.req.text();
    const requestHash = sha256Hex(`${c.req.method} ${c.req.path}\n${body}`);
    const { db, clock } = c.get("deps");

    try {
      await db
        .insertInto("idempotency_keys")
        .values({
          scope,
          key,
          request_hash: requestHash,
          status_code: null,
          response_body: null,
          created_at: isoNow(clock),
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
      if (!stored) throw new ApiError("IDEMPOTENCY_KEY_IN_USE", "Retry the request");
      if (stored.request_hash !== requestHash) {
        throw new ApiError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different request");
      }
      if (stored.status_code === null) throw new ApiError("IDEMPOTENCY_KEY_IN_USE");
      return c.body(stored.response_body ?? "", stored.status_code as 200, {
        "content-type": stored.status_code >= 400 ? "application/problem+json" : "application/json",
        "idempotent-replayed": "true",
      });
    }

    const release = () => db.deleteFrom("idempotency_keys").where("scope", "=", scope).where("key", "=", key).execute();
    try {
      await next();
    } catch (error) {
      await release();
      throw error;
    }
    // Errors thrown by handlers are rendered after this middleware returns; c.error tells us.
    if (c.error || c.res.status >= 500) {
      await release();
      return;
    }
    const text = await c.res.clone().text();
    await db
      .updateTable("idempotency_keys")
      .set({ status_code: c.res.status, response_body: text })
      .where("scope", "=", scope)
      .where("key", "=", key)
      .execute();
  };
}
