import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { requirePlatformKey, requireTenantKey, requireUser } from "./auth.js";
import type { AppEnv } from "./env.js";
import { idempotency } from "./idempotency.js";
import { rateLimit } from "./rate-limit.js";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string().meta({ description: "Stable error code, e.g. VALIDATION_FAILED." }),
    request_id: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() })).optional(),
  })
  .meta({ id: "Problem" });

/** A problem+json response of an OpenAPI route, described. */
export const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

const TENANT_ERRORS = {
  400: problem("Invalid input or missing x-tn header"),
  401: problem("Missing or invalid API key"),
  403: problem("x-tn does not match the key, or the key lacks the permission"),
  404: problem("No such object in this tenant and environment"),
  409: problem("Conflict: duplicate key, object in use, idempotency key reuse, or a refused state transition"),
  429: problem("Rate limit reached for this credential: retry after Retry-After seconds"),
} as const;

/*
 * x-tn and Idempotency-Key are enforced by middleware (requireTenantKey, idempotency), so they are
 * documented as plain OpenAPI parameters rather than a zod header schema: that would parse every
 * header of every request a second time for nothing.
 */
const TENANT_HEADER = {
  name: "x-tn",
  in: "header",
  required: true,
  description: "Tenant id or slug; must match the API key's tenant.",
  schema: { type: "string" },
} as const;

const IDEMPOTENCY_HEADER = {
  name: "idempotency-key",
  in: "header",
  required: false,
  description:
    "Makes a retried POST safe: same key + same body → the stored response (for 24 hours); same key + " +
    "another body → 409. 1–255 printable ASCII characters.",
  schema: { type: "string", minLength: 1, maxLength: 255 },
} as const;

type Method = RouteConfig["method"];

/**
 * What any route can answer besides its own statuses: a failure of ours (500, logged, leaking
 * nothing) and, where a body is read, one too large (413).
 */
function commonProblems(config: Pick<RouteConfig, "request">) {
  const body = config.request?.body
    ? {
        413: problem("The request body is too large (PAYLOAD_TOO_LARGE)"),
      }
    : {};
  return { ...body, 500: problem("Internal error (INTERNAL); the detail is in the server's log") };
}

function withIdempotency(method: Method, middleware: MiddlewareHandler<AppEnv>[]): MiddlewareHandler<AppEnv>[] {
  return method === "post" ? [...middleware, idempotency()] : middleware;
}

/**
 * A tenant-scoped route: declares its permission (shown as `x-permission` in the OpenAPI
 * document and enforced by middleware), the x-tn header, the standard problem responses and,
 * for POST, idempotency.
 */
export function tenantRoute<const R extends Omit<RouteConfig, "middleware">>(permission: string, config: R) {
  const parameters = config.method === "post" ? [TENANT_HEADER, IDEMPOTENCY_HEADER] : [TENANT_HEADER];
  return createRoute({
    ...config,
    parameters: [...parameters, ...(config.parameters ?? [])],
    security: [{ apiKey: [] }, { session: [] }],
    "x-permission": permission,
    middleware: withIdempotency(config.method, [requireTenantKey(permission), rateLimit("credential")]),
    responses: { ...TENANT_ERRORS, ...commonProblems(config), ...config.responses },
  } as R & { middleware: MiddlewareHandler<AppEnv>[] });
}

export function platformRoute<const R extends Omit<RouteConfig, "middleware">>(config: R) {
  return createRoute({
    ...config,
    ...(config.method === "post" ? { parameters: [IDEMPOTENCY_HEADER, ...(config.parameters ?? [])] } : {}),
    security: [{ platformKey: [] }],
    "x-permission": "platform",
    middleware: withIdempotency(config.method, [requirePlatformKey(), rateLimit("credential")]),
    responses: {
      400: problem("Invalid input"),
      401: problem("Missing or invalid platform key"),
      404: problem("Not found"),
      409: problem("Conflict"),
      429: problem("Rate limit reached for this credential"),
      ...commonProblems(config),
      ...config.responses,
    },
  } as R & { middleware: MiddlewareHandler<AppEnv>[] });
}

/** A route about the signed-in user themself: an access token (a session), no tenant. */
export function sessionRoute<const R extends Omit<RouteConfig, "middleware">>(config: R) {
  return createRoute({
    ...config,
    security: [{ session: [] }],
    "x-permission": "session",
    middleware: [requireUser(), rateLimit("credential")],
    responses: {
      400: problem("Invalid input"),
      401: problem("Missing, invalid or expired access token"),
      404: problem("Not found"),
      429: problem("Rate limit reached for this session"),
      ...commonProblems(config),
      ...config.responses,
    },
  } as R & { middleware: MiddlewareHandler<AppEnv>[] });
}

/**
 * A route anyone may call (JWKS, sign-in, notifications verified by signature): `security: []`
 * says so in the document; limited per client address, sign-in routes (`rateLimitClass: "auth"`)
 * by a tighter budget of their own.
 */
export function publicRoute<const R extends Omit<RouteConfig, "middleware">>(
  config: R,
  o: { rateLimitClass?: "public" | "auth" } = {},
) {
  return createRoute({
    ...config,
    security: [],
    "x-permission": "public",
    middleware: [rateLimit(o.rateLimitClass ?? "public")],
    responses: {
      429: problem("Rate limit reached for this client address"),
      ...commonProblems(config),
      ...config.responses,
    },
  } as R & { middleware: MiddlewareHandler<AppEnv>[] });
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const IdParam = z.object({
  id: z.string().meta({ description: "Object id (or key where the object has one)." }),
});
