import { OpenAPIHono } from "@hono/zod-openapi";
import { ApiKey, ApiKeyWithSecret, CreateApiKey, ListQuery, listOf } from "@tessera/core";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["API keys"];

export const authRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("keys:manage", {
      method: "post",
      path: "/v1/api-keys",
      tags,
      summary: "Create an API key (the secret is shown once)",
      request: { body: jsonBody(CreateApiKey) },
      responses: { 201: json(ApiKeyWithSecret, "The key with its secret") },
    }),
    async (c) => {
      const principal = c.get("principal");
      const grantedBy = principal.kind === "tenant" ? principal.scopes : [];
      return c.json(await c.get("services").auth.create(scopeOf(c), c.req.valid("json"), grantedBy), 201);
    },
  )
  .openapi(
    tenantRoute("keys:manage", {
      method: "get",
      path: "/v1/api-keys",
      tags,
      summary: "List the API keys of this environment",
      request: { query: ListQuery },
      responses: { 200: json(listOf(ApiKey, "ApiKey"), "A page of keys (no secrets)") },
    }),
    async (c) => c.json(await c.get("services").auth.list(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("keys:manage", {
      method: "get",
      path: "/v1/api-keys/{id}",
      tags,
      summary: "Get an API key (never its secret)",
      request: { params: IdParam },
      responses: { 200: json(ApiKey, "The key") },
    }),
    async (c) => c.json(await c.get("services").auth.get(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("keys:manage", {
      method: "delete",
      path: "/v1/api-keys/{id}",
      tags,
      summary: "Revoke an API key, effective immediately",
      request: { params: IdParam },
      responses: { 200: json(ApiKey, "The revoked key") },
    }),
    async (c) => c.json(await c.get("services").auth.revoke(scopeOf(c), c.req.valid("param").id), 200),
  );
