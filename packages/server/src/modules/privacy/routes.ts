import { OpenAPIHono } from "@hono/zod-openapi";
import { EraseCustomer, PrivacyExportArchive, PrivacyRequest } from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, problem, tenantRoute } from "../../http/route.js";

const tags = ["Privacy"];

export const privacyRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("privacy:write", {
      method: "post",
      path: "/v1/customers/{id}/privacy/export",
      tags,
      summary:
        "Export everything held about a customer: a job builds one JSON archive across every module; " +
        "customer.privacy_export_ready is sent when it can be downloaded (once) from /v1/privacy-requests/{id}/archive",
      request: { params: IdParam },
      responses: { 202: json(PrivacyRequest, "The export request, pending") },
    }),
    async (c) => c.json(await c.get("services").privacy.requestExport(scopeOf(c), c.req.valid("param").id), 202),
  )
  .openapi(
    tenantRoute("privacy:write", {
      method: "post",
      path: "/v1/customers/{id}/privacy/erase",
      tags,
      summary:
        "Erase a customer's personal data everywhere (irreversible). Records the law requires (payments) are " +
        "kept, naming the customer by id only; channel links are unlinked",
      request: { params: IdParam, body: jsonBody(EraseCustomer) },
      responses: {
        200: json(PrivacyRequest, "The completed erasure, with what each module erased"),
        409: problem("CUSTOMER_HAS_ACTIVE_SUBSCRIPTIONS (with active_subscriptions: refuse), or a conflict"),
      },
    }),
    async (c) =>
      c.json(await c.get("services").privacy.erase(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    tenantRoute("privacy:read", {
      method: "get",
      path: "/v1/customers/{id}/privacy/requests",
      tags,
      summary: "The customer's privacy requests (exports and erasures), newest first",
      request: { params: IdParam },
      responses: {
        200: json(z.object({ object: z.literal("list"), data: z.array(PrivacyRequest) }), "The requests"),
      },
    }),
    async (c) => {
      const data = await c.get("services").privacy.listRequests(scopeOf(c), c.req.valid("param").id);
      return c.json({ object: "list" as const, data }, 200);
    },
  )
  .openapi(
    tenantRoute("privacy:read", {
      method: "get",
      path: "/v1/privacy-requests/{id}",
      tags,
      summary: "Get a privacy request",
      request: { params: IdParam },
      responses: { 200: json(PrivacyRequest, "The request") },
    }),
    async (c) => c.json(await c.get("services").privacy.getRequest(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("privacy:write", {
      method: "get",
      path: "/v1/privacy-requests/{id}/archive",
      tags,
      summary:
        "Download an export's archive. Once: the archive is deleted as it is handed out, and every later " +
        "call answers 410 EXPORT_NOT_AVAILABLE (so does one before it is ready or after it expired)",
      request: { params: IdParam },
      responses: {
        200: json(PrivacyExportArchive, "The archive"),
        410: problem("EXPORT_NOT_AVAILABLE: not ready, already downloaded, or expired"),
      },
    }),
    async (c) => {
      const archive = await c.get("services").privacy.downloadArchive(scopeOf(c), c.req.valid("param").id);
      c.header("cache-control", "no-store");
      c.header("content-disposition", `attachment; filename="${archive.customer}-export.json"`);
      return c.json(archive, 200);
    },
  );
