import type { Context, Handler } from "hono";
import type { Deps } from "../context.js";
import { unavailableCause, withTimeout } from "../db/errors.js";
import { ApiError } from "../errors.js";
import type { AppEnv } from "./env.js";
import { problemResponse } from "./problem.js";

/** Seconds a client is asked to wait before retrying a request the database could not serve. */
const RETRY_AFTER_SECONDS = "5";

/**
 * GET /readyz: commits a write (an upsert of one row), within its own timeout. A `select 1` would
 * pass on a full disk, a read-only file or a standby; a load balancer must stop sending traffic
 * there as well as when the database is gone.
 */
export function readiness(deps: Deps, timeoutMs: number): Handler<AppEnv> {
  return async (c) => {
    const checkedAt = deps.clock.now().toISOString();
    const write = deps.db
      .insertInto("health")
      .values({ id: "readyz", checked_at: checkedAt })
      .onConflict((oc) => oc.column("id").doUpdateSet({ checked_at: checkedAt }))
      .execute();
    try {
      await withTimeout(write, timeoutMs, "the readiness write");
      return c.json({ status: "ok", database: deps.dialect });
    } catch (error) {
      c.get("logger").warn({ err: error, cause: unavailableCause(error) ?? "unknown" }, "readiness check failed");
      c.header("retry-after", RETRY_AFTER_SECONDS);
      throw new ApiError("UNAVAILABLE", "The database cannot be written");
    }
  };
}

/**
 * For the app's onError: an error that means the database is unavailable becomes 503 UNAVAILABLE
 * with Retry-After, and its real cause (driver code and message) is logged; anything else is left
 * to the caller (undefined).
 */
export function unavailableResponse(
  c: Context<AppEnv>,
  error: unknown,
  fallback: Deps["logger"],
): Response | undefined {
  const cause = unavailableCause(error);
  if (!cause) return undefined;
  (c.get("logger") ?? fallback).error({ err: error, cause }, "database unavailable");
  c.header("retry-after", RETRY_AFTER_SECONDS);
  return problemResponse(c, new ApiError("UNAVAILABLE", "The database is unavailable; retry later"));
}
