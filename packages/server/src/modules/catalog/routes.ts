import { OpenAPIHono } from "@hono/zod-openapi";
import {
  CatalogStatus,
  CreateEntitlement,
  DeletionResult,
  Entitlement,
  ListQuery,
  listOf,
  UpdateEntitlement,
} from "@tessera/core";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Catalog"];
const StatusFilter = ListQuery.extend({ status: CatalogStatus.optional() });

export const catalogRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("catalog:write", {
      method: "post",
      path: "/v1/entitlements",
      tags,
      summary: "Create an entitlement",
      request: { body: jsonBody(CreateEntitlement) },
      responses: { 201: json(Entitlement, "The entitlement") },
    }),
    async (c) => c.json(await c.get("services").catalog.createEntitlement(scopeOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    tenantRoute("catalog:read", {
      method: "get",
      path: "/v1/entitlements",
      tags,
      summary: "List entitlements",
      request: { query: StatusFilter },
      responses: { 200: json(listOf(Entitlement, "Entitlement"), "A page of entitlements") },
    }),
    async (c) => c.json(await c.get("services").catalog.listEntitlements(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("catalog:read", {
      method: "get",
      path: "/v1/entitlements/{id}",
      tags,
      summary: "Get an entitlement by id or key",
      request: { params: IdParam },
      responses: { 200: json(Entitlement, "The entitlement") },
    }),
    async (c) => c.json(await c.get("services").catalog.getEntitlement(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("catalog:write", {
      method: "patch",
      path: "/v1/entitlements/{id}",
      tags,
      summary: "Update an entitlement (the key and kind are fixed)",
      request: { params: IdParam, body: jsonBody(UpdateEntitlement) },
      responses: { 200: json(Entitlement, "The updated entitlement") },
    }),
    async (c) =>
      c.json(
        await c.get("services").catalog.updateEntitlement(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    tenantRoute("catalog:write", {
      method: "delete",
      path: "/v1/entitlements/{id}",
      tags,
      summary: "Delete an entitlement, or archive it when a bundle still grants it",
      request: { params: IdParam },
      responses: { 200: json(DeletionResult, "What happened") },
    }),
    async (c) => c.json(await c.get("services").catalog.deleteEntitlement(scopeOf(c), c.req.valid("param").id), 200),
  );
