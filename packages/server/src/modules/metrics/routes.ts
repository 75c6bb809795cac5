import { OpenAPIHono } from "@hono/zod-openapi";
import { MetricsHistory, MetricsHistoryQuery, MetricsSummary } from "@tessera/core";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { json, tenantRoute } from "../../http/route.js";

const tags = ["Metrics"];

export const metricsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("metrics:read", {
      method: "get",
      path: "/v1/metrics/summary",
      tags,
      summary: "MRR, ARR, active subscriptions and trials, trial conversion, churn, new customers, revenue, recovery",
      responses: { 200: json(MetricsSummary, "The metrics at the environment's now (definitions: docs/metrics.md)") },
    }),
    async (c) => c.json(await c.get("services").metrics.summary(scopeOf(c)), 200),
  )
  .openapi(
    tenantRoute("metrics:read", {
      method: "get",
      path: "/v1/metrics/history",
      tags,
      summary: "MRR and active subscriptions once a week, for charts",
      request: { query: MetricsHistoryQuery },
      responses: { 200: json(MetricsHistory, "Weekly points, oldest first") },
    }),
    async (c) => c.json(await c.get("services").metrics.history(scopeOf(c), c.req.valid("query").weeks), 200),
  );
