import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { CompiledQuery, type Kysely } from "kysely";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
} from "rate-limiter-flexible";
import type { Deps } from "../context.js";
import type { Database } from "../db/types.js";
import { ApiError } from "../errors.js";
import type { AppEnv } from "./env.js";

/*
 * Request rate limits (DESIGN §3), from rate-limiter-flexible: per API key (and per user, once
 * users exist) by route class, and per client address on unauthenticated routes. Each limit is a
 * window of `points` requests per `windowSeconds`. On Postgres the counters live in the
 * `rate_limits` table, so every replica draws from the same budget; on SQLite (one node) they live
 * in memory. A store that cannot answer lets the request through: rate limiting protects the
 * service, it must not become the reason it is down.
 */

/**
 * `read` (GET) and `write` (the rest) for credentials; `public` and `auth` (sign-in, refresh,
 * invitations, password reset: what a guesser hammers) per client address.
 */
export type RouteClass = "read" | "write" | "public" | "auth";

/** A plan's budgets; a class it leaves out has the default. */
export type PlanLimits = Partial<Record<"read" | "write", number>>;

export interface RateLimitOptions {
  enabled: boolean;
  /** Requests per window for one API key: GET routes. */
  read: number;
  /** Requests per window for one API key: every other method. */
  write: number;
  /** Requests per window from one client address on unauthenticated routes. */
  public: number;
  /** Requests per window from one client address on the unauthenticated sign-in routes (default: `public`). */
  auth?: number;
  windowSeconds: number;
  /** Per tenant plan (tenants.plan), the read/write budgets of its credentials. */
  plans?: Record<string, PlanLimits>;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  enabled: true,
  read: 6000,
  write: 3000,
  public: 600,
  auth: 60,
  windowSeconds: 60,
  plans: {},
};

export interface RateLimits {
  readonly options: RateLimitOptions;
  /** Draws one request from `subject`'s budget for `routeClass` (under `plan`'s limits, if any). */
  consume(routeClass: RouteClass, subject: string, plan?: string | null): Promise<RateLimitResult>;
  /** A tenant's plan, cached briefly (a plan change applies within PLAN_CACHE_MS). */
  planOf(tenantId: string): Promise<string | null>;
}

const PLAN_CACHE_MS = 30_000;

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** rate-limiter-flexible's Postgres store speaks `query({ text, values })`: served by our own pool. */
function kyselyClient(db: Kysely<Database>) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const result = await db.executeQuery(CompiledQuery.raw(q.text, q.values ?? []));
      return { rows: result.rows, rowCount: result.rows.length || Number(result.numAffectedRows ?? 0) };
    },
  };
}

/**
 * A counter of `points` per `durationSeconds` in the shared store: Postgres on Postgres (every
 * replica sees one count: failed sign-ins, reset requests), memory on SQLite (one node).
 */
export function sharedCounter(
  deps: Pick<Deps, "db" | "dialect">,
  o: { keyPrefix: string; points: number; durationSeconds: number },
): RateLimiterAbstract {
  const common = { points: o.points, duration: o.durationSeconds, keyPrefix: o.keyPrefix };
  return deps.dialect === "postgres"
    ? new RateLimiterPostgres({
        ...common,
        storeClient: kyselyClient(deps.db),
        storeType: "pool",
        tableName: "rate_limits",
        // Made by migration 060, like every other table.
        tableCreated: true,
      })
    : new RateLimiterMemory(common);
}

export function createRateLimits(deps: Pick<Deps, "db" | "dialect" | "logger">, options: RateLimitOptions): RateLimits {
  const limiters = new Map<string, RateLimiterAbstract>();
  const limitOf = (routeClass: RouteClass, plan: string | null): number => {
    if (routeClass === "auth") return options.auth ?? options.public;
    if (routeClass === "public") return options.public;
    return (plan ? options.plans?.[plan]?.[routeClass] : undefined) ?? options[routeClass];
  };
  const limiter = (routeClass: RouteClass, plan: string | null): RateLimiterAbstract => {
    // A plan without limits of its own shares the default bucket; one with limits has its own.
    const tier = plan && options.plans?.[plan]?.[routeClass as "read"] !== undefined ? plan : null;
    const name = tier ? `${routeClass}@${tier}` : routeClass;
    let found = limiters.get(name);
    if (!found) {
      found = sharedCounter(deps, {
        keyPrefix: name,
        points: limitOf(routeClass, tier),
        durationSeconds: options.windowSeconds,
      });
      limiters.set(name, found);
    }
    return found;
  };
  const plans = new Map<string, { plan: string | null; until: number }>();

  const result = (res: RateLimiterRes, allowed: boolean, limit: number): RateLimitResult => ({
    allowed,
    limit,
    remaining: res.remainingPoints,
    resetSeconds: Math.max(0, Math.ceil(res.msBeforeNext / 1000)),
  });

  return {
    options,
    async planOf(tenantId) {
      const cached = plans.get(tenantId);
      if (cached && cached.until > performance.now()) return cached.plan;
      const row = await deps.db.selectFrom("tenants").select("plan").where("id", "=", tenantId).executeTakeFirst();
      const plan = row?.plan ?? null;
      if (plans.size > 10_000) plans.clear();
      plans.set(tenantId, { plan, until: performance.now() + PLAN_CACHE_MS });
      return plan;
    },
    async consume(routeClass, subject, plan = null) {
      const limit = limitOf(routeClass, plan);
      try {
        return result(await limiter(routeClass, plan).consume(subject), true, limit);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return result(rejection, false, limit);
        deps.logger.warn(
          { err: rejection, route_class: routeClass },
          "rate limit store unavailable; request let through",
        );
        return { allowed: true, limit, remaining: limit, resetSeconds: options.windowSeconds };
      }
    },
  };
}

/**
 * The IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers): the policy (`q` requests per
 * `w` seconds) and what is left of it (`r`) with the seconds until it refills (`t`).
 */
function setHeaders(c: Context<AppEnv>, routeClass: RouteClass, r: RateLimitResult, windowSeconds: number): void {
  c.header("RateLimit-Policy", `"${routeClass}";q=${r.limit};w=${windowSeconds}`);
  c.header("RateLimit", `"${routeClass}";r=${r.remaining};t=${r.resetSeconds}`);
}

/** The peer's address on @hono/node-server; undefined elsewhere (`app.request` in tests). */
/** The peer address of the socket behind a request (Node server), from any context. */
export function clientAddress(c: { env: unknown }): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}

/**
 * Limits a route. Authenticated routes run it after authentication and count against the
 * credential; public ones count against the client's address.
 */
export function rateLimit(kind: "credential" | "public" | "auth"): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const limits = c.get("services").rateLimits;
    if (!limits.options.enabled) return next();
    const principal = kind === "credential" ? c.get("principal") : undefined;
    const routeClass: RouteClass = !principal
      ? kind === "auth"
        ? "auth"
        : "public"
      : c.req.method === "GET"
        ? "read"
        : "write";
    const subject = principal ? `${principal.kind}:${principal.keyId}` : `ip:${clientAddress(c) ?? "unknown"}`;
    // A tenant's credentials draw from their plan's budget; everything else from the defaults.
    const plan = principal?.kind === "tenant" ? await limits.planOf(principal.scope.tenantId) : null;
    const r = await limits.consume(routeClass, subject, plan);
    if (!r.allowed) {
      c.header("Retry-After", String(Math.max(1, r.resetSeconds)));
      setHeaders(c, routeClass, r, limits.options.windowSeconds);
      throw new ApiError(
        "RATE_LIMITED",
        `Too many requests: at most ${r.limit} every ${limits.options.windowSeconds} s`,
        {
          extensions: { retry_after: Math.max(1, r.resetSeconds) },
        },
      );
    }
    await next();
    setHeaders(c, routeClass, r, limits.options.windowSeconds);
  };
}
