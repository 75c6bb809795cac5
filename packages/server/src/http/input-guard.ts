import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors.js";
import type { AppEnv } from "./env.js";

/*
 * Input no route should ever see. Each of these used to reach a handler or the database and come
 * back as a 500 (Postgres refuses NUL in text; a recursive walk of JSON nested 100,000 levels deep
 * overflows the stack), or to be echoed back whole in an error. They are refused here, before the
 * card-data guard walks the body, with a 400 that names the place and never repeats the input.
 */

/** Deeper than any request body of the API (bundles with prices nest 4 levels). */
export const MAX_JSON_DEPTH = 32;
/** Longer than any id, slug or key the API makes or accepts. */
export const MAX_SEGMENT_LENGTH = 200;

const NUL_ESCAPE = /\\u0000/i;

function refuse(path: string, message: string): ApiError {
  return new ApiError("VALIDATION_FAILED", `The request ${path.split(".")[0]} is not acceptable: ${message}`, {
    errors: [{ path, message }],
  });
}

/**
 * The nesting depth of a JSON text, counted without parsing or recursion (brackets inside strings
 * do not count): linear in the text, whatever its shape.
 */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) {
      inString = true;
    } else if (ch === 123 /* { */ || ch === 91 /* [ */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (ch === 125 /* } */ || ch === 93 /* ] */) {
      depth--;
    }
  }
  return deepest;
}

function decodedPath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

export function refuseUnsafeInput(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const path = decodedPath(c.req.path);
    if (path === undefined) throw refuse("path", "malformed percent-encoding");
    if (path.includes("\0")) throw refuse("path", "contains a NUL character");
    for (const segment of path.split("/")) {
      if (segment.length > MAX_SEGMENT_LENGTH) {
        throw refuse("path", `a segment is longer than ${MAX_SEGMENT_LENGTH} characters`);
      }
    }
    const url = c.req.url;
    const q = url.indexOf("?");
    if (q !== -1) {
      for (const [key, value] of new URLSearchParams(url.slice(q + 1))) {
        const at = `query.${key.length > 64 || key.includes("\0") ? "(key)" : key}`;
        if (key.includes("\0") || value.includes("\0")) throw refuse(at, "contains a NUL character");
        if (value.length > 1000) throw refuse(at, "is longer than 1000 characters");
      }
    }
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const text = await c.req.text();
    if (text.includes("\0") || NUL_ESCAPE.test(text)) throw refuse("body", "contains a NUL character");
    if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      throw refuse("body", `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    return next();
  };
}
