import { OpenAPIHono } from "@hono/zod-openapi";
import {
  CreateWebhookEndpoint,
  Deleted,
  ListQuery,
  listOf,
  RotateWebhookSecret,
  UpdateWebhookEndpoint,
  WebhookDelivery,
  WebhookDeliveryListQuery,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
} from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Webhooks"];
const EndpointParam = z.object({ id: z.string().meta({ description: "Webhook endpoint id (`we_…`)." }) });
const DeliveryParam = EndpointParam.extend({
  delivery_id: z.string().meta({ description: "Webhook delivery id (`whd_…`)." }),
});

export const webhookRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("webhooks:write", {
      method: "post",
      path: "/v1/webhook-endpoints",
      tags,
      summary: "Create a webhook endpoint; the signing secret is returned only here",
      request: { body: jsonBody(CreateWebhookEndpoint) },
      responses: { 201: json(WebhookEndpointWithSecret, "The endpoint with its secret") },
    }),
    async (c) => c.json(await c.get("services").webhooks.createEndpoint(scopeOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    tenantRoute("webhooks:read", {
      method: "get",
      path: "/v1/webhook-endpoints",
      tags,
      summary: "List webhook endpoints, newest first",
      request: { query: ListQuery },
      responses: { 200: json(listOf(WebhookEndpoint, "WebhookEndpoint"), "A page of endpoints") },
    }),
    async (c) => c.json(await c.get("services").webhooks.listEndpoints(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("webhooks:read", {
      method: "get",
      path: "/v1/webhook-endpoints/{id}",
      tags,
      summary: "Get a webhook endpoint (without its secret)",
      request: { params: EndpointParam },
      responses: { 200: json(WebhookEndpoint, "The endpoint") },
    }),
    async (c) => c.json(await c.get("services").webhooks.getEndpoint(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("webhooks:write", {
      method: "patch",
      path: "/v1/webhook-endpoints/{id}",
      tags,
      summary: "Update a webhook endpoint: url, filter, description, metadata, enabled/disabled",
      request: { params: EndpointParam, body: jsonBody(UpdateWebhookEndpoint) },
      responses: { 200: json(WebhookEndpoint, "The updated endpoint") },
    }),
    async (c) =>
      c.json(
        await c.get("services").webhooks.updateEndpoint(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    tenantRoute("webhooks:write", {
      method: "delete",
      path: "/v1/webhook-endpoints/{id}",
      tags,
      summary: "Delete a webhook endpoint and its delivery log",
      request: { params: EndpointParam },
      responses: { 200: json(Deleted, "Deleted") },
    }),
    async (c) => c.json(await c.get("services").webhooks.deleteEndpoint(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("webhooks:write", {
      method: "post",
      path: "/v1/webhook-endpoints/{id}/rotate-secret",
      tags,
      summary: "Rotate the signing secret; the old one keeps signing beside it for expires_in_hours",
      request: {
        params: EndpointParam,
        body: { required: false, content: { "application/json": { schema: RotateWebhookSecret } } },
      },
      responses: { 200: json(WebhookEndpointWithSecret, "The endpoint with its new secret") },
    }),
    async (c) => {
      // The body is optional: without one the validator hands over {}, which takes the defaults.
      const input = RotateWebhookSecret.parse(c.req.valid("json") ?? {});
      return c.json(await c.get("services").webhooks.rotateSecret(scopeOf(c), c.req.valid("param").id, input), 200);
    },
  )
  .openapi(
    tenantRoute("webhooks:read", {
      method: "get",
      path: "/v1/webhook-endpoints/{id}/deliveries",
      tags,
      summary: "List an endpoint's deliveries with their attempts, newest first",
      request: { params: EndpointParam, query: WebhookDeliveryListQuery },
      responses: { 200: json(listOf(WebhookDelivery, "WebhookDelivery"), "A page of deliveries") },
    }),
    async (c) =>
      c.json(
        await c.get("services").webhooks.listDeliveries(scopeOf(c), c.req.valid("param").id, c.req.valid("query")),
        200,
      ),
  )
  .openapi(
    tenantRoute("webhooks:read", {
      method: "get",
      path: "/v1/webhook-endpoints/{id}/deliveries/{delivery_id}",
      tags,
      summary: "Get one delivery with its attempts",
      request: { params: DeliveryParam },
      responses: { 200: json(WebhookDelivery, "The delivery") },
    }),
    async (c) => {
      const { id, delivery_id } = c.req.valid("param");
      return c.json(await c.get("services").webhooks.getDelivery(scopeOf(c), id, delivery_id), 200);
    },
  )
  .openapi(
    tenantRoute("webhooks:write", {
      method: "post",
      path: "/v1/webhook-endpoints/{id}/deliveries/{delivery_id}/retry",
      tags,
      summary: "Send a delivery again now (same webhook-id), as a new attempt",
      request: { params: DeliveryParam },
      responses: { 200: json(WebhookDelivery, "The delivery with the new attempt") },
    }),
    async (c) => {
      const { id, delivery_id } = c.req.valid("param");
      return c.json(await c.get("services").webhooks.retryDelivery(scopeOf(c), id, delivery_id), 200);
    },
  );
