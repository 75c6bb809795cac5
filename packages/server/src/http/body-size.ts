import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../errors.js";
import type { AppEnv } from "./env.js";

/** The largest request body accepted: a bundle with many prices and entitlements fits easily. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Refuses a body larger than `maxBytes` (413 PAYLOAD_TOO_LARGE) before anything reads it into
 * memory. GET and HEAD are passed straight on: their bodies are never read, and looking at one on
 * @hono/node-server would build a full Request object for every read request.
 */
export function limitBodySize(maxBytes = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError("PAYLOAD_TOO_LARGE", `Request bodies are limited to ${Math.floor(maxBytes / 1024)} KiB`);
    },
  });
  return (c, next) => (c.req.method === "GET" || c.req.method === "HEAD" ? next() : limit(c, next));
}
