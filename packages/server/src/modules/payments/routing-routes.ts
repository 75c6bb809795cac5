import { OpenAPIHono } from "@hono/zod-openapi";
import { PaymentRouting, PaymentRoutingSettings, RoutePreview, RoutingDecision } from "@tessera/core";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, tenantRoute } from "../../http/route.js";

export const paymentRoutingRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("storefronts:read", {
      method: "get",
      path: "/v1/storefronts/{id}/payment-routing",
      tags: ["Payment routing"],
      summary: "A storefront's payment routing: rules, fee table, geography preferences, required features, weights",
      request: { params: IdParam },
      responses: { 200: json(PaymentRouting, "The routing settings (defaults when never set)") },
    }),
    async (c) => c.json(await c.get("services").payments.routingSettings.get(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("storefronts:write", {
      method: "put",
      path: "/v1/storefronts/{id}/payment-routing",
      tags: ["Payment routing"],
      summary: "Replace a storefront's payment routing settings (every provider named must be one of the storefront's)",
      request: { params: IdParam, body: jsonBody(PaymentRoutingSettings) },
      responses: { 200: json(PaymentRouting, "The routing settings") },
    }),
    async (c) =>
      c.json(
        await c.get("services").payments.routingSettings.put(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    tenantRoute("payments:read", {
      method: "post",
      path: "/v1/payments/route-preview",
      tags: ["Payment routing"],
      summary:
        "Dry run: which PSP a payment with these inputs would go to, the candidates' scores and why. Charges nothing.",
      request: { body: jsonBody(RoutePreview) },
      responses: { 200: json(RoutingDecision, "The decision routing would make now") },
    }),
    async (c) => c.json(await c.get("services").payments.routingSettings.preview(scopeOf(c), c.req.valid("json")), 200),
  );
