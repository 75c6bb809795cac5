import { scopeAllows } from "@tessera/core";
import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "../errors.js";
import type { AppEnv, TenantPrincipal } from "./env.js";

function bearer(c: Context<AppEnv>): string | undefined {
  const header = c.req.header("authorization");
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/**
 * The tenant pipeline of DESIGN §3: `x-tn` must be present (400), the key must be valid (401),
 * the key's tenant must be the one named by `x-tn` (403), and the key must carry the route's
 * permission (403).
 */
export function requireTenantKey(permission: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const tenantRef = c.req.header("x-tn");
    if (!tenantRef) throw new ApiError("TENANT_HEADER_REQUIRED", "Send the tenant id or slug in the x-tn header");
    const secret = bearer(c);
    if (!secret) throw new ApiError("UNAUTHENTICATED", "Send an API key as Authorization: Bearer tsk_…");
    const key = await c.get("services").auth.authenticate(secret);
    if (!key) throw new ApiError("UNAUTHENTICATED", "The API key is invalid or revoked");
    if (tenantRef !== key.scope.tenantId && tenantRef !== key.scope.tenantSlug) {
      throw new ApiError("TENANT_MISMATCH", "The x-tn header names a different tenant than the API key");
    }
    if (!scopeAllows(key.scopes, permission)) {
      throw new ApiError("FORBIDDEN", `This route needs the "${permission}" permission`);
    }
    const requestId = c.get("requestId");
    const actor = { type: "api_key" as const, id: key.keyId };
    // Every later line of this request (the access line too) names who acted where, under which
    // correlation: one grep on the correlation id follows it into the jobs it scheduled.
    const logger = c.get("logger").child({
      correlation_id: requestId,
      tenant: key.scope.tenantId,
      environment: key.scope.environment,
      actor: `${actor.type}:${actor.id}`,
    });
    c.set("logger", logger);
    // Kept on events for the audit trail; the idempotency middleware refuses a malformed one on POST.
    const header = c.req.header("idempotency-key");
    const idempotencyKey = header && /^[\x20-\x7e]{1,255}$/.test(header) ? header : undefined;
    const principal: TenantPrincipal = {
      kind: "tenant",
      keyId: key.keyId,
      scopes: key.scopes,
      // The request is its own correlation and the cause of what it changes directly.
      scope: {
        ...key.scope,
        requestId,
        actor,
        correlationId: requestId,
        causationId: requestId,
        logger,
        ...(idempotencyKey && { idempotencyKey }),
      },
    };
    c.set("principal", principal);
    await next();
  };
}

/** Platform administration (tenants): a `tpk_…` key made with `tessera platform-key create`. */
export function requirePlatformKey(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = bearer(c);
    if (!secret) throw new ApiError("UNAUTHENTICATED", "Send a platform key as Authorization: Bearer tpk_…");
    const key = await c.get("services").auth.authenticatePlatform(secret);
    if (!key) throw new ApiError("UNAUTHENTICATED", "The platform key is invalid or revoked");
    c.set("principal", { kind: "platform", keyId: key.keyId });
    c.set("logger", c.get("logger").child({ correlation_id: c.get("requestId"), actor: `platform_key:${key.keyId}` }));
    await next();
  };
}

/** The scope of a tenant route's principal; routes behind requireTenantKey always have one. */
export function scopeOf(c: Context<AppEnv>) {
  const principal = c.get("principal");
  if (principal?.kind !== "tenant") throw new ApiError("UNAUTHENTICATED");
  return principal.scope;
}
