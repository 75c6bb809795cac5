import { OpenAPIHono } from "@hono/zod-openapi";
import {
  type Actor,
  ApiKeyWithSecret,
  CreateEnvironment,
  CreateTenant,
  ListQuery,
  listOf,
  Tenant,
} from "@tessera/core";
import type { Context } from "hono";
import { SYSTEM_ACTOR } from "../../context.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, platformRoute } from "../../http/route.js";
import { provisionEnvironment, provisionTenant } from "./provision.js";

/** The platform key that administers tenants, as the actor of what it creates. */
function platformActor(c: Context<AppEnv>): Actor {
  const principal = c.get("principal");
  return principal?.kind === "platform" ? { type: "platform_key", id: principal.keyId } : SYSTEM_ACTOR;
}

const TenantWithKeys = Tenant.extend({ api_keys: ApiKeyWithSecret.array() }).meta({ id: "TenantWithKeys" });
const tags = ["Tenants"];

export const tenancyRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    platformRoute({
      method: "post",
      path: "/v1/tenants",
      tags,
      summary: "Create a tenant with its environments and one API key per environment",
      request: { body: jsonBody(CreateTenant) },
      responses: { 201: json(TenantWithKeys, "The tenant; the key secrets are shown only here") },
    }),
    async (c) => c.json(await provisionTenant(c.get("services"), c.req.valid("json"), platformActor(c)), 201),
  )
  .openapi(
    platformRoute({
      method: "get",
      path: "/v1/tenants",
      tags,
      summary: "List tenants",
      request: { query: ListQuery },
      responses: { 200: json(listOf(Tenant, "Tenant"), "A page of tenants") },
    }),
    async (c) => c.json(await c.get("services").tenancy.list(c.req.valid("query")), 200),
  )
  .openapi(
    platformRoute({
      method: "get",
      path: "/v1/tenants/{id}",
      tags,
      summary: "Get a tenant by id or slug",
      request: { params: IdParam },
      responses: { 200: json(Tenant, "The tenant") },
    }),
    async (c) => {
      const tenant = await c.get("services").tenancy.get(c.req.valid("param").id);
      // Platform support reading a tenant is on that tenant's audit trail.
      await c.get("services").audit.recordPlatformRead(tenant.id, platformActor(c), {
        action: "platform.tenant.read",
        object: { id: tenant.id, object: "tenant" },
        requestId: c.get("requestId"),
      });
      return c.json(tenant, 200);
    },
  )
  .openapi(
    platformRoute({
      method: "post",
      path: "/v1/tenants/{id}/environments",
      tags,
      summary: "Add an environment to a tenant, with one full-access API key",
      request: { params: IdParam, body: jsonBody(CreateEnvironment) },
      responses: { 201: json(TenantWithKeys, "The tenant; `api_keys` holds the new environment's key, shown once") },
    }),
    async (c) =>
      c.json(
        await provisionEnvironment(
          c.get("services"),
          c.req.valid("param").id,
          c.req.valid("json").name,
          platformActor(c),
        ),
        201,
      ),
  );
