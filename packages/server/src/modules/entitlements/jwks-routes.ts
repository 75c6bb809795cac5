import { OpenAPIHono } from "@hono/zod-openapi";
import { Jwks } from "@tessera/core";
import type { Context } from "hono";
import { z } from "zod";
import { withSystemAccess, withTenantAccess } from "../../db/access.js";
import { notFound } from "../../errors.js";
import type { AppEnv } from "../../http/env.js";
import { json, ProblemSchema, publicRoute } from "../../http/route.js";
import { JWKS_MAX_AGE_SECONDS } from "./signing-keys.js";

const JwksParams = z.object({
  tenant: z.string().min(1).meta({ description: "Tenant slug or id." }),
  environment: z.string().min(1).meta({ description: "Environment name, e.g. production." }),
});

// Short: a rotated-in key signs after ROTATION_LEAD_SECONDS, which must outlast this plus the
// SDK's refetch cooldown. stale-if-error keeps verifiers working through an outage.
const CACHE_CONTROL = `public, max-age=${JWKS_MAX_AGE_SECONDS}, stale-if-error=86400`;

const NOT_FOUND = {
  description: "No such tenant or environment",
  content: { "application/problem+json": { schema: ProblemSchema } },
};

async function keySet(c: Context<AppEnv>, tenantRef: string, environment: string) {
  const { tenancy, entitlements } = c.get("services");
  // No credentials name the tenant: finding it from the path spans tenants.
  const { tenant, env } = await withSystemAccess(async () => {
    const tenant = await tenancy.find(tenantRef);
    return { tenant, env: tenant ? await tenancy.findEnvironment(tenant.id, environment) : undefined };
  });
  if (!tenant || !env) throw notFound("key set", `${tenantRef}/${environment}`);
  const scope = { tenantId: tenant.id, environmentId: env.id };
  const jwks = await withTenantAccess(scope, () => entitlements.jwks(scope));
  c.header("cache-control", CACHE_CONTROL);
  // Browsers may fetch it too (the SDK inspects tokens there); it is public by design.
  c.header("access-control-allow-origin", "*");
  return jwks;
}

const describe = (path: string, summary: string) =>
  publicRoute({
    method: "get",
    path,
    tags: ["Entitlements"],
    summary,
    request: { params: JwksParams },
    responses: { 200: json(Jwks, "The JSON Web Key Set"), 404: NOT_FOUND },
  });

/**
 * The public keys that verify one environment's entitlement tokens, without credentials. Two
 * paths, one answer: `/v1/jwks/…` is the documented one; `/.well-known/jwks/…` lets a verifier
 * find the keys from a token alone (`iss` + `tn_slug` + `env`).
 */
export const jwksRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    describe(
      "/v1/jwks/{tenant}/{environment}",
      "Public keys (JWKS) of a tenant's environment: verify entitlement tokens offline. No credentials",
    ),
    async (c) => {
      const { tenant, environment } = c.req.valid("param");
      return c.json(await keySet(c, tenant, environment), 200);
    },
  )
  .openapi(
    describe(
      "/.well-known/jwks/{tenant}/{environment}",
      "The same key set at a well-known path derived from a token's iss, tn_slug and env",
    ),
    async (c) => {
      const { tenant, environment } = c.req.valid("param");
      return c.json(await keySet(c, tenant, environment), 200);
    },
  );
