import { OpenAPIHono } from "@hono/zod-openapi";
import { AuditLineage, AuditListQuery, AuditRecord, listOf } from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { json, platformRoute, tenantRoute } from "../../http/route.js";

const tags = ["Audit"];

export const auditRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("audit:read", {
      method: "get",
      path: "/v1/audit",
      tags,
      summary: "List audit records, newest first (filter by actor, object, action, kind, time)",
      request: { query: AuditListQuery },
      responses: { 200: json(listOf(AuditRecord, "AuditRecord"), "A page of audit records") },
    }),
    async (c) => c.json(await c.get("services").audit.list(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("audit:read", {
      method: "get",
      path: "/v1/audit/lineage/{correlation_id}",
      tags,
      summary: "Action → decision → outcome of one originating request or job run",
      request: { params: z.object({ correlation_id: z.string() }) },
      responses: { 200: json(AuditLineage, "Every record sharing the correlation id, in order") },
    }),
    async (c) => c.json(await c.get("services").audit.lineage(scopeOf(c), c.req.valid("param").correlation_id), 200),
  )
  .openapi(
    platformRoute({
      method: "get",
      path: "/v1/platform/audit",
      tags,
      summary: "List the platform's own audit records (platform users, invitations), newest first",
      description:
        "The platform chain: what happens outside any tenant — platform users created, invited, granted a role, " +
        "changing their password or second factor. Verified and checkpointed like a tenant's chain (`tessera audit verify`).",
      request: { query: AuditListQuery },
      responses: { 200: json(listOf(AuditRecord, "AuditRecord"), "A page of platform audit records") },
    }),
    async (c) => c.json(await c.get("services").audit.listPlatform(c.req.valid("query")), 200),
  );
