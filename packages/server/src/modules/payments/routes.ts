import { OpenAPIHono } from "@hono/zod-openapi";
import { Dispute, DisputeListQuery, listOf, Payment, PaymentListQuery, RefundPayment } from "@tessera/core";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, problem, tenantRoute } from "../../http/route.js";

const tags = ["Payments"];
const disputeTags = ["Disputes"];

export const paymentRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("payments:read", {
      method: "get",
      path: "/v1/payments",
      tags,
      summary: "List payment attempts, newest first (filter by customer, subscription, status)",
      request: { query: PaymentListQuery },
      responses: { 200: json(listOf(Payment, "Payment"), "A page of payments") },
    }),
    async (c) => c.json(await c.get("services").payments.list(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("payments:read", {
      method: "get",
      path: "/v1/payments/{id}",
      tags,
      summary: "Get a payment attempt",
      request: { params: IdParam },
      responses: { 200: json(Payment, "The payment") },
    }),
    async (c) => c.json(await c.get("services").payments.get(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("payments:refund", {
      method: "post",
      path: "/v1/payments/{id}/refund",
      tags,
      summary: "Refund all (default) or part of a succeeded payment; the subscription is not changed",
      request: {
        params: IdParam,
        body: { required: false, content: { "application/json": { schema: RefundPayment } } },
      },
      responses: {
        200: json(Payment, "The payment with its refunded amount"),
        422: problem("The provider refused the refund, or no provider can take it (UNPROCESSABLE)"),
        503: problem("The payment's provider could not be reached (UNAVAILABLE)"),
      },
    }),
    async (c) =>
      c.json(
        await c.get("services").payments.refund(scopeOf(c), c.req.valid("param").id, c.req.valid("json") ?? {}),
        200,
      ),
  )
  .openapi(
    tenantRoute("payments:read", {
      method: "get",
      path: "/v1/disputes",
      tags: disputeTags,
      summary: "List chargebacks the PSPs reported, newest payment first (filter by status, payment, customer)",
      request: { query: DisputeListQuery },
      responses: { 200: json(listOf(Dispute, "Dispute"), "A page of disputes") },
    }),
    async (c) => c.json(await c.get("services").payments.listDisputes(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("payments:read", {
      method: "get",
      path: "/v1/disputes/{id}",
      tags: disputeTags,
      summary: "Get a dispute",
      request: { params: IdParam },
      responses: { 200: json(Dispute, "The dispute") },
    }),
    async (c) => c.json(await c.get("services").payments.getDispute(scopeOf(c), c.req.valid("param").id), 200),
  );
