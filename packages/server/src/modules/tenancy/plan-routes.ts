import { OpenAPIHono } from "@hono/zod-openapi";
import { SetTenantPlan, TenantPlan } from "@tessera/core";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, platformRoute } from "../../http/route.js";

/**
 * A tenant's plan, which picks its rate limits (docs/security.md "Rate limits"): set by the
 * platform, recorded on the tenant's audit trail.
 */
export const tenantPlanRoutes = new OpenAPIHono<AppEnv>().openapi(
  platformRoute({
    method: "put",
    path: "/v1/tenants/{id}/plan",
    tags: ["Tenants"],
    summary: "Set a tenant's plan (its rate limits); null for the default",
    request: { params: IdParam, body: jsonBody(SetTenantPlan) },
    responses: { 200: json(TenantPlan, "The tenant's plan") },
  }),
  async (c) => {
    const { tenancy, audit } = c.get("services");
    const tenant = await tenancy.get(c.req.valid("param").id);
    const { plan } = c.req.valid("json");
    const { db } = c.get("deps");
    const principal = c.get("principal");
    await db.transaction().execute(async (tx) => {
      const before = await tx.selectFrom("tenants").select("plan").where("id", "=", tenant.id).executeTakeFirst();
      await tx.updateTable("tenants").set({ plan }).where("id", "=", tenant.id).execute();
      await audit.recordTenantWide(tx, tenant.id, {
        kind: "action",
        action: "tenant.plan_changed",
        object: { id: tenant.id, object: "tenant" },
        before: { plan: before?.plan ?? null },
        after: { plan },
        actor: { type: "platform_key", id: principal.keyId },
        requestId: c.get("requestId"),
      });
    });
    return c.json({ object: "tenant_plan" as const, tenant: tenant.id, plan }, 200);
  },
);
