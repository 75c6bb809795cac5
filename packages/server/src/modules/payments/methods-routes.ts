import { OpenAPIHono } from "@hono/zod-openapi";
import { CreatePaymentMethod, PaymentMethod } from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, problem, tenantRoute } from "../../http/route.js";

const tags = ["Payment methods"];

const MethodParams = IdParam.extend({
  method: z.string().min(1).meta({ description: "Payment method id (`pm_…`)." }),
});

export const paymentMethodRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("customers:write", {
      method: "post",
      path: "/v1/customers/{id}/payment-methods",
      tags,
      summary:
        "Store a payment method: each listed PSP vaults the client token its SDK gave you (never card data). The first method becomes the default.",
      request: { params: IdParam, body: jsonBody(CreatePaymentMethod) },
      responses: {
        201: json(PaymentMethod, "The stored payment method"),
        422: problem("A PSP refused the token (PAYMENT_METHOD_REFUSED)"),
        503: problem("A PSP could not be reached (UNAVAILABLE)"),
      },
    }),
    async (c) =>
      c.json(
        await c.get("services").payments.methods.create(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        201,
      ),
  )
  .openapi(
    tenantRoute("customers:read", {
      method: "get",
      path: "/v1/customers/{id}/payment-methods",
      tags,
      summary: "List a customer's payment methods (detached ones are not listed)",
      request: { params: IdParam },
      responses: { 200: json(z.object({ data: z.array(PaymentMethod) }), "The customer's payment methods") },
    }),
    async (c) =>
      c.json({ data: await c.get("services").payments.methods.list(scopeOf(c), c.req.valid("param").id) }, 200),
  )
  .openapi(
    tenantRoute("customers:read", {
      method: "get",
      path: "/v1/customers/{id}/payment-methods/{method}",
      tags,
      summary: "Get a payment method of a customer",
      request: { params: MethodParams },
      responses: { 200: json(PaymentMethod, "The payment method") },
    }),
    async (c) => {
      const { id, method } = c.req.valid("param");
      return c.json(await c.get("services").payments.methods.get(scopeOf(c), id, method), 200);
    },
  )
  .openapi(
    tenantRoute("customers:write", {
      method: "post",
      path: "/v1/customers/{id}/payment-methods/{method}/default",
      tags,
      summary: "Make a payment method the customer's default",
      request: { params: MethodParams },
      responses: { 200: json(PaymentMethod, "The payment method, now the default") },
    }),
    async (c) => {
      const { id, method } = c.req.valid("param");
      return c.json(await c.get("services").payments.methods.makeDefault(scopeOf(c), id, method), 200);
    },
  )
  .openapi(
    tenantRoute("customers:write", {
      method: "delete",
      path: "/v1/customers/{id}/payment-methods/{method}",
      tags,
      summary: "Detach a payment method: it is never charged again (subscriptions naming it decline until changed)",
      request: { params: MethodParams },
      responses: { 200: json(PaymentMethod, "The detached payment method") },
    }),
    async (c) => {
      const { id, method } = c.req.valid("param");
      return c.json(await c.get("services").payments.methods.detach(scopeOf(c), id, method), 200);
    },
  );
