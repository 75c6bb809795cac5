import { OpenAPIHono } from "@hono/zod-openapi";
import {
  CatalogStatus,
  CreateStorefront,
  DeletionResult,
  ListQuery,
  listOf,
  Storefront,
  UpdateStorefront,
} from "@tessera/core";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Storefronts"];
const StatusFilter = ListQuery.extend({ status: CatalogStatus.optional() });

export const storefrontRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("storefronts:write", {
      method: "post",
      path: "/v1/storefronts",
      tags,
      summary: "Create a storefront (provider credentials are encrypted and never returned)",
      request: { body: jsonBody(CreateStorefront) },
      responses: { 201: json(Storefront, "The storefront") },
    }),
    async (c) => c.json(await c.get("services").storefronts.createStorefront(scopeOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    tenantRoute("storefronts:read", {
      method: "get",
      path: "/v1/storefronts",
      tags,
      summary: "List storefronts, newest first",
      request: { query: StatusFilter },
      responses: { 200: json(listOf(Storefront, "Storefront"), "A page of storefronts") },
    }),
    async (c) => c.json(await c.get("services").storefronts.listStorefronts(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("storefronts:read", {
      method: "get",
      path: "/v1/storefronts/{id}",
      tags,
      summary: "Get a storefront by id or key",
      request: { params: IdParam },
      responses: { 200: json(Storefront, "The storefront") },
    }),
    async (c) => c.json(await c.get("services").storefronts.getStorefront(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("storefronts:write", {
      method: "patch",
      path: "/v1/storefronts/{id}",
      tags,
      summary:
        "Update a storefront. Lists sent replace the stored ones; a provider sent without `credentials` keeps " +
        "its stored credentials, `credentials: {}` clears them.",
      request: { params: IdParam, body: jsonBody(UpdateStorefront) },
      responses: { 200: json(Storefront, "The updated storefront") },
    }),
    async (c) =>
      c.json(
        await c.get("services").storefronts.updateStorefront(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    tenantRoute("storefronts:write", {
      method: "delete",
      path: "/v1/storefronts/{id}",
      tags,
      summary: "Delete a storefront, or archive it while it has customers",
      request: { params: IdParam },
      responses: { 200: json(DeletionResult, "What happened") },
    }),
    async (c) => c.json(await c.get("services").storefronts.deleteStorefront(scopeOf(c), c.req.valid("param").id), 200),
  );
