import { OpenAPIHono } from "@hono/zod-openapi";
import { CreateCustomer, Customer, DeletionResult, ListQuery, listOf, UpdateCustomer } from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Customers"];

const CustomerFilter = ListQuery.extend({
  storefront: z.string().min(1).optional().meta({ description: "Only this storefront's customers (id or key)." }),
  external_id: z.string().min(1).optional().meta({ description: "Only the customer(s) with your id." }),
});

const ExternalIdParams = IdParam.extend({
  external_id: z.string().min(1).meta({ description: "Your id for the customer (URL-encoded)." }),
});

export const customerRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("customers:write", {
      method: "post",
      path: "/v1/customers",
      tags,
      summary: "Create a customer of a storefront (external_id is unique per storefront)",
      request: { body: jsonBody(CreateCustomer) },
      responses: { 201: json(Customer, "The customer") },
    }),
    async (c) => c.json(await c.get("services").customers.createCustomer(scopeOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    tenantRoute("customers:read", {
      method: "get",
      path: "/v1/customers",
      tags,
      summary:
        "List customers, newest first. Filter with `storefront` and `external_id`: together they find the one " +
        "customer your system knows by that id (an empty list when there is none).",
      request: { query: CustomerFilter },
      responses: { 200: json(listOf(Customer, "Customer"), "A page of customers") },
    }),
    async (c) => c.json(await c.get("services").customers.listCustomers(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("customers:read", {
      method: "get",
      path: "/v1/storefronts/{id}/customers/by-external-id/{external_id}",
      tags,
      summary:
        "Get the customer a storefront (id or key) knows by your external_id; 404 when there is none. " +
        "The same lookup as GET /v1/customers?storefront=…&external_id=…, as a single object.",
      request: { params: ExternalIdParams },
      responses: { 200: json(Customer, "The customer") },
    }),
    async (c) => {
      const { id, external_id } = c.req.valid("param");
      return c.json(await c.get("services").customers.getCustomerByExternalId(scopeOf(c), id, external_id), 200);
    },
  )
  .openapi(
    tenantRoute("customers:read", {
      method: "get",
      path: "/v1/customers/{id}",
      tags,
      summary: "Get a customer by id",
      request: { params: IdParam },
      responses: { 200: json(Customer, "The customer") },
    }),
    async (c) => {
      const { customers, consents } = c.get("services");
      const customer = await customers.getCustomer(scopeOf(c), c.req.valid("param").id);
      return c.json({ ...customer, consents: await consents.current(scopeOf(c), customer.id) }, 200);
    },
  )
  .openapi(
    tenantRoute("customers:write", {
      method: "patch",
      path: "/v1/customers/{id}",
      tags,
      summary: "Update a customer (the storefront and external_id are fixed; null clears a field)",
      request: { params: IdParam, body: jsonBody(UpdateCustomer) },
      responses: { 200: json(Customer, "The updated customer") },
    }),
    async (c) =>
      c.json(
        await c.get("services").customers.updateCustomer(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    tenantRoute("customers:write", {
      method: "delete",
      path: "/v1/customers/{id}",
      tags,
      summary: "Delete a customer",
      request: { params: IdParam },
      responses: { 200: json(DeletionResult, "What happened") },
    }),
    async (c) => c.json(await c.get("services").customers.deleteCustomer(scopeOf(c), c.req.valid("param").id), 200),
  );
