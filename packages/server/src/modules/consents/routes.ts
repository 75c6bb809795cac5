import { OpenAPIHono } from "@hono/zod-openapi";
import { ConsentPurpose, ConsentRecord, CurrentConsents, ListQuery, listOf, RecordConsent } from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Consents"];

const CustomerConsents = z
  .object({ object: z.literal("customer_consents"), customer: z.string(), current: CurrentConsents })
  .meta({ id: "CustomerConsents" });

const HistoryQuery = ListQuery.extend({
  purpose: ConsentPurpose.optional().meta({ description: "Only this purpose's records." }),
});

export const consentRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("customers:write", {
      method: "post",
      path: "/v1/customers/{id}/consents",
      tags,
      summary:
        "Record a consent given or withdrawn (purpose, text version, how, when). Records are never edited: " +
        "a withdrawal is a new record. Sends consent.granted or consent.withdrawn",
      request: { params: IdParam, body: jsonBody(RecordConsent) },
      responses: { 201: json(ConsentRecord, "The record") },
    }),
    async (c) =>
      c.json(await c.get("services").consents.record(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 201),
  )
  .openapi(
    tenantRoute("customers:read", {
      method: "get",
      path: "/v1/customers/{id}/consents",
      tags,
      summary: "The customer's current consents: per purpose, the latest record",
      request: { params: IdParam },
      responses: { 200: json(CustomerConsents, "Current consents") },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const current = await c.get("services").consents.current(scopeOf(c), id);
      return c.json({ object: "customer_consents" as const, customer: id, current }, 200);
    },
  )
  .openapi(
    tenantRoute("customers:read", {
      method: "get",
      path: "/v1/customers/{id}/consents/history",
      tags,
      summary: "Every consent record of the customer, newest first",
      request: { params: IdParam, query: HistoryQuery },
      responses: { 200: json(listOf(ConsentRecord, "ConsentRecord"), "A page of records") },
    }),
    async (c) =>
      c.json(await c.get("services").consents.history(scopeOf(c), c.req.valid("param").id, c.req.valid("query")), 200),
  );
