import { OpenAPIHono } from "@hono/zod-openapi";
import {
  Bundle,
  CatalogStatus,
  CreateBundle,
  CreatePrice,
  DeletionResult,
  ListQuery,
  listOf,
  Price,
  UpdateBundle,
  UpdatePrice,
} from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Catalog"];
const StatusFilter = ListQuery.extend({ status: CatalogStatus.optional() });
const PriceParams = IdParam.extend({ price_id: z.string().meta({ description: "The price id." }) });

export const bundleRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("catalog:write", {
      method: "post",
      path: "/v1/bundles",
      tags,
      summary: "Create a bundle with its entitlements and prices (all or nothing)",
      request: { body: jsonBody(CreateBundle) },
      responses: { 201: json(Bundle, "The bundle") },
    }),
    async (c) => c.json(await c.get("services").catalog.createBundle(scopeOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    tenantRoute("catalog:read", {
      method: "get",
      path: "/v1/bundles",
      tags,
      summary: "List bundles, newest first",
      request: { query: StatusFilter },
      responses: { 200: json(listOf(Bundle, "Bundle"), "A page of bundles") },
    }),
    async (c) => c.json(await c.get("services").catalog.listBundles(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("catalog:read", {
      method: "get",
      path: "/v1/bundles/{id}",
      tags,
      summary: "Get a bundle by id or key",
      request: { params: IdParam },
      responses: { 200: json(Bundle, "The bundle") },
    }),
    async (c) => c.json(await c.get("services").catalog.getBundle(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("catalog:write", {
      method: "patch",
      path: "/v1/bundles/{id}",
      tags,
      summary: "Update a bundle (entitlements, when sent, replace the list; the key is fixed)",
      request: { params: IdParam, body: jsonBody(UpdateBundle) },
      responses: { 200: json(Bundle, "The updated bundle") },
    }),
    async (c) =>
      c.json(
        await c.get("services").catalog.updateBundle(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    tenantRoute("catalog:write", {
      method: "delete",
      path: "/v1/bundles/{id}",
      tags,
      summary: "Delete a bundle, or archive it while a storefront sells it or a subscription uses it",
      request: { params: IdParam },
      responses: { 200: json(DeletionResult, "What happened") },
    }),
    async (c) => c.json(await c.get("services").catalog.deleteBundle(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("catalog:write", {
      method: "post",
      path: "/v1/bundles/{id}/prices",
      tags,
      summary: "Add a price to a bundle",
      request: { params: IdParam, body: jsonBody(CreatePrice) },
      responses: { 201: json(Price, "The price") },
    }),
    async (c) =>
      c.json(await c.get("services").catalog.addPrice(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 201),
  )
  .openapi(
    tenantRoute("catalog:write", {
      method: "patch",
      path: "/v1/bundles/{id}/prices/{price_id}",
      tags,
      summary: "Rename or archive a price (what it charges never changes: add a new price instead)",
      request: { params: PriceParams, body: jsonBody(UpdatePrice) },
      responses: { 200: json(Price, "The updated price") },
    }),
    async (c) => {
      const { id, price_id } = c.req.valid("param");
      return c.json(await c.get("services").catalog.updatePrice(scopeOf(c), id, price_id, c.req.valid("json")), 200);
    },
  )
  .openapi(
    tenantRoute("catalog:read", {
      method: "get",
      path: "/v1/prices/{id}",
      tags,
      summary: "Get a price by id",
      request: { params: IdParam },
      responses: { 200: json(Price, "The price") },
    }),
    async (c) => c.json((await c.get("services").catalog.getPrice(scopeOf(c), c.req.valid("param").id)).price, 200),
  );
