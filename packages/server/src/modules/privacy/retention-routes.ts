import { OpenAPIHono } from "@hono/zod-openapi";
import { RetentionPolicy, RetentionRun, UpdateRetentionPolicy } from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Privacy"];

export const retentionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("privacy:read", {
      method: "get",
      path: "/v1/retention-policy",
      tags,
      summary: "This environment's retention policy (every rule null — keep forever — until set)",
      responses: { 200: json(RetentionPolicy, "The policy") },
    }),
    async (c) => c.json(await c.get("services").retention.getPolicy(scopeOf(c)), 200),
  )
  .openapi(
    tenantRoute("privacy:write", {
      method: "patch",
      path: "/v1/retention-policy",
      tags,
      summary: "Set rules of this environment's retention policy (null turns a rule off); a daily job applies it",
      request: { body: jsonBody(UpdateRetentionPolicy) },
      responses: { 200: json(RetentionPolicy, "The policy") },
    }),
    async (c) => c.json(await c.get("services").retention.updatePolicy(scopeOf(c), c.req.valid("json")), 200),
  )
  .openapi(
    tenantRoute("privacy:write", {
      method: "post",
      path: "/v1/retention-runs",
      tags,
      summary: "Apply the retention policy now (the daily job does the same); sends retention.applied",
      responses: { 201: json(RetentionRun, "What the run removed or anonymized") },
    }),
    async (c) => c.json(await c.get("services").retention.apply(scopeOf(c)), 201),
  )
  .openapi(
    tenantRoute("privacy:read", {
      method: "get",
      path: "/v1/retention-runs",
      tags,
      summary: "The last 100 retention runs of this environment, newest first",
      responses: {
        200: json(z.object({ object: z.literal("list"), data: z.array(RetentionRun) }), "The runs"),
      },
    }),
    async (c) => c.json({ object: "list" as const, data: await c.get("services").retention.listRuns(scopeOf(c)) }, 200),
  );
