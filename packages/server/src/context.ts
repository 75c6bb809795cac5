import type { Actor } from "@tessera/core";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { DialectName } from "./db/connect.js";
import type { Database, Db } from "./db/types.js";
import type { Clock } from "./lib/clock.js";
import type { SecretBox } from "./lib/crypto.js";

/** Everything a service needs from the outside world, passed in by the composition root. */
export interface Deps {
  db: Kysely<Database>;
  dialect: DialectName;
  clock: Clock;
  logger: Logger;
  secrets: SecretBox;
  /** Public base URL of this server, used in links such as the JWKS URL. */
  baseUrl: string;
  /**
   * Entitlement tokens: longest life (default 900 s), `iss` (default baseUrl), and how long a
   * rotated-in key is published before it signs (default ROTATION_LEAD_SECONDS).
   */
  tokens?: { ttlSeconds?: number | undefined; issuer?: string | undefined; rotationLeadSeconds?: number | undefined };
}

/** The tenant + environment a request acts in. Every repo query is filtered by both. */
export interface Scope {
  tenantId: string;
  tenantSlug: string;
  environmentId: string;
  environment: string;
  /**
   * This environment's time: the wall clock, or its test clock frozen at an instant. Business
   * time (periods, trials, event times) always comes from here.
   */
  clock: Clock;
  requestId?: string;
  /**
   * Who acts: the API key of a request, the job run by the worker, the channel or provider whose
   * notification is applied. Events record it; when absent they record the system.
   */
  actor?: Actor;
  /**
   * One id per originating request or job run (the request id, or the job's inherited one),
   * carried into the jobs it schedules, so everything that followed from one action shares it.
   */
  correlationId?: string;
  /** What directly caused this work: the request id, or the event a consumer is handling. */
  causationId?: string;
  /** The request's Idempotency-Key, kept on its events for the audit trail. */
  idempotencyKey?: string;
  /**
   * A logger bound to this request or job (request id, correlation id, tenant, environment, actor),
   * so that one grep on the correlation id follows a renewal through routing, the PSP call and the
   * webhook. Set by the HTTP pipeline (http/auth.ts) and the worker; use `loggerFor(deps, scope)`.
   */
  logger?: Logger;
}

/**
 * The scope of work that starts a correlation of its own inside a job (a renewal: its payment,
 * events, audit records and the dunning jobs it schedules share the period-end job's id), with
 * the logger rebound to it so the log lines say the same.
 */
export function withCorrelation(deps: Pick<Deps, "logger">, scope: Scope, correlationId: string): Scope {
  return withLazyLogger(scope, { correlationId }, () =>
    deps.logger.child({ ...(scope.logger?.bindings() ?? {}), correlation_id: correlationId }),
  );
}

/**
 * A copy of `scope` with `patch`, and a logger built on first use. A job's logger (pino's
 * `child`, its bindings serialised) cost more than most of what a renewal computes, and most jobs
 * never log a line. The copy does not read `scope`'s own logger (a spread would build it).
 */
export function withLazyLogger(scope: Scope, patch: Partial<Omit<Scope, "logger">>, build: () => Logger): Scope {
  let logger: Logger | undefined;
  // Every field but the logger, named (the compiler checks none is missing): a literal with a
  // getter keeps V8's fast object shape, which copying keys and `defineProperty` did not.
  const fields: { [K in Exclude<keyof Scope, "logger">]-?: Scope[K] | undefined } = {
    tenantId: scope.tenantId,
    tenantSlug: scope.tenantSlug,
    environmentId: scope.environmentId,
    environment: scope.environment,
    clock: scope.clock,
    requestId: scope.requestId,
    actor: scope.actor,
    correlationId: scope.correlationId,
    causationId: scope.causationId,
    idempotencyKey: scope.idempotencyKey,
  };
  return {
    ...(fields as Omit<Scope, "logger">),
    ...patch,
    get logger() {
      logger ??= build();
      return logger;
    },
  };
}

/**
 * `loggerFor` when lines of `level` are written at all, else undefined, for a line on a hot path
 * (`loggerAt(deps, scope, "info")?.info(…)`): a job's logger is built on first use, and a line
 * nobody will read should not build it.
 */
export function loggerAt(
  deps: Pick<Deps, "logger">,
  scope: Pick<Scope, "logger"> | undefined,
  level: "debug" | "info",
): Logger | undefined {
  return deps.logger.isLevelEnabled(level) ? loggerFor(deps, scope) : undefined;
}

/** The scope's bound logger, else the process logger: what services log with. */
export function loggerFor(deps: Pick<Deps, "logger">, scope: Pick<Scope, "logger"> | undefined): Logger {
  return scope?.logger ?? deps.logger;
}

/** The actor of work nobody asked for by name: a sweep, a migration, a test. */
export const SYSTEM_ACTOR: Actor = { type: "system", id: "system" };

/** The scope for work that `cause` (an event id or request id) led to, keeping its correlation. */
export function causedBy(scope: Scope, cause: string, actor?: Actor): Scope {
  return { ...scope, causationId: cause, ...(actor && { actor }) };
}

export type { Db };
