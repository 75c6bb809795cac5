import { scopeAllows } from "@tessera/core";
import type { Context, MiddlewareHandler } from "hono";
import { withSystemAccess, withTenantAccess } from "../db/access.js";
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
    if (looksLikeJwt(secret)) {
      // Resolving the user's tenant and environment reads across tenants; the route then runs in
      // that tenant's scope only, as for an API key.
      const principal = await withSystemAccess(() => userInTenant(c, secret, tenantRef, permission));
      c.set("principal", principal);
      return withTenantAccess(principal.scope, next);
    }
    const key = await c.get("services").auth.authenticate(secret);
    if (!key) throw new ApiError("UNAUTHENTICATED", "The API key is invalid or revoked");
    if (tenantRef !== key.scope.tenantId && tenantRef !== key.scope.tenantSlug) {
      throw new ApiError("TENANT_MISMATCH", "The x-tn header names a different tenant than the API key");
    }
    if (!scopeAllows(key.scopes, permission)) {
      throw new ApiError("FORBIDDEN", `This route needs the "${permission}" permission`);
    }
    const requestId = c.get("requestId");
    const actor = { type: "api_key" as const, id: key.keyId, ...(key.name ? { label: key.name } : {}) };
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
    // Everything after this runs in the key's scope: on Postgres, row-level security sees only it.
    await withTenantAccess(principal.scope, next);
  };
}

const looksLikeJwt = (secret: string) => secret.startsWith("eyJ");

/** A signed-in user's access token, resolved against its session (revocation is immediate). */
async function signedInUser(c: Context<AppEnv>, token: string) {
  const access = await c.get("services").users.authenticate(token);
  if (!access) throw new ApiError("UNAUTHENTICATED", "The access token is invalid or expired, or its session ended");
  return access;
}

/**
 * A user acting in a tenant: `x-tn` names the tenant, `x-env` the environment (default
 * development). The user's membership (or platform role) there decides the permissions; a tenant
 * the user does not belong to is refused like another tenant's key (403).
 */
async function userInTenant(
  c: Context<AppEnv>,
  token: string,
  tenantRef: string,
  permission: string,
): Promise<TenantPrincipal> {
  const { user, session } = await signedInUser(c, token);
  const services = c.get("services");
  const tenant = await services.tenancy.find(tenantRef);
  const envName = c.req.header("x-env") ?? "development";
  const env = tenant ? await services.tenancy.findEnvironment(tenant.id, envName) : undefined;
  const access = tenant && env ? await services.users.tenantAccess(user, tenant.id, envName) : undefined;
  if (!tenant || !env || !access) {
    throw new ApiError("TENANT_MISMATCH", "You have no access to that tenant and environment (x-tn, x-env)");
  }
  if (!scopeAllows(access.permissions, permission)) {
    throw new ApiError("FORBIDDEN", `This route needs the "${permission}" permission (your role: ${access.role})`);
  }
  if (user.platform_role === "platform_support") {
    // Every access of platform support to a tenant is on that tenant's audit trail.
    c.get("logger").info(
      { user: user.id, tenant: tenant.id, environment: envName, permission },
      "platform support access",
    );
    await services.audit.recordPlatformRead(
      tenant.id,
      { type: "user", id: user.id },
      {
        action: "platform.support.access",
        object: { id: tenant.id, object: "tenant" },
        requestId: c.get("requestId"),
        data: { environment: envName, permission, method: c.req.method, path: c.req.routePath },
      },
    );
  }
  const scope = await services.tenancy.scopeForEnvironment(env.id);
  if (!scope) throw new ApiError("TENANT_MISMATCH", "You have no access to that tenant and environment (x-tn, x-env)");
  const { testClockAt: _, ...plain } = scope;
  const logger = c.get("logger").child({
    correlation_id: c.get("requestId"),
    tenant: tenant.id,
    environment: envName,
    actor: `user:${user.id}`,
  });
  c.set("logger", logger);
  return {
    kind: "tenant",
    // The credential is the session: idempotent replays and rate limits are per session.
    keyId: session,
    scopes: [...access.permissions],
    scope: {
      ...plain,
      requestId: c.get("requestId"),
      // The id only: events and audit records are immutable, and an email is personal data.
      actor: { type: "user", id: user.id },
      correlationId: c.get("requestId"),
      causationId: c.get("requestId"),
      logger,
    },
    user: { id: user.id, role: access.role },
  };
}

/** Routes about the signed-in user themself (profile, sessions, two-factor): an access token only. */
export function requireUser(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = bearer(c);
    if (!secret || !looksLikeJwt(secret))
      throw new ApiError("UNAUTHENTICATED", "Sign in: Authorization: Bearer <access token>");
    const { user, session } = await signedInUser(c, secret);
    c.set("principal", { kind: "user", keyId: session, userId: user.id, user });
    // The user's own records (sessions, two-factor) are not a tenant's: system access.
    await withSystemAccess(next);
  };
}

/** Platform administration (tenants): a `tpk_…` key made with `tessera platform-key create`. */
export function requirePlatformKey(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = bearer(c);
    if (!secret) throw new ApiError("UNAUTHENTICATED", "Send a platform key as Authorization: Bearer tpk_…");
    if (looksLikeJwt(secret)) {
      const { user, session } = await signedInUser(c, secret);
      if (user.platform_role !== "platform_admin") throw new ApiError("FORBIDDEN", "This route needs a platform admin");
      c.set("principal", { kind: "platform", keyId: session });
      return withSystemAccess(next);
    }
    const key = await withSystemAccess(() => c.get("services").auth.authenticatePlatform(secret));
    if (!key) throw new ApiError("UNAUTHENTICATED", "The platform key is invalid or revoked");
    c.set("principal", { kind: "platform", keyId: key.keyId });
    c.set("logger", c.get("logger").child({ correlation_id: c.get("requestId"), actor: `platform_key:${key.keyId}` }));
    // Platform administration (tenants, their environments and first keys) spans tenants.
    await withSystemAccess(next);
  };
}

/** The scope of a tenant route's principal; routes behind requireTenantKey always have one. */
export function scopeOf(c: Context<AppEnv>) {
  const principal = c.get("principal");
  if (principal?.kind !== "tenant") throw new ApiError("UNAUTHENTICATED");
  return principal.scope;
}
