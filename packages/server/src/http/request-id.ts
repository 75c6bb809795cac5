import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env.js";

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * `req_` + 32 hex digits. randomUUID draws from a buffered entropy pool, several times cheaper per
 * request than a randomBytes call; an id needs to be unique, not secret.
 */
function newRequestId(): string {
  return `req_${randomUUID().replaceAll("-", "")}`;
}

/**
 * Echoes a caller's `x-request-id` (if sane) or makes one, binds it to the request's logger, and
 * writes one access log line per request.
 *
 * On @hono/node-server the header goes straight onto the Node response (`c.env.outgoing`), which
 * merges it into whatever response the app returns: setting it through Hono (`c.header`) makes
 * every response carry a WHATWG Headers object that is built, sorted and copied again on the way
 * out, which cost more than the rest of this middleware.
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const id = incoming && SAFE_ID.test(incoming) ? incoming : newRequestId();
    c.set("requestId", id);
    c.set("logger", c.get("deps").logger.child({ request_id: id }));
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (outgoing && typeof outgoing.setHeader === "function" && !outgoing.headersSent) {
      outgoing.setHeader("x-request-id", id);
    } else {
      c.header("x-request-id", id);
    }
    const started = performance.now();
    await next();
    const logger = c.get("logger");
    if (logger.isLevelEnabled("info")) {
      logger.info(
        {
          method: c.req.method,
          path: c.get("redactPath") ? "[redacted]" : c.req.path,
          status: c.res.status,
          ms: Math.round(performance.now() - started),
        },
        "request",
      );
    }
  };
}
