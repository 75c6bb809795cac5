import { OpenAPIHono } from "@hono/zod-openapi";
import {
  CapturePayment,
  CreatePayment,
  Dispute,
  DisputeListQuery,
  listOf,
  Payment,
  PaymentListQuery,
  RefundPayment,
} from "@tessera/core";
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
    tenantRoute("payments:write", {
      method: "post",
      path: "/v1/payments",
      tags,
      summary:
        "Create a one-off payment: captured at once, or with `capture: false` only authorized (capture or void it later)",
      request: { body: { required: true, content: { "application/json": { schema: CreatePayment } } } },
      responses: {
        201: json(Payment, "The payment: succeeded, authorized, failed (declined) or pending (outcome not known yet)"),
        404: problem("No such customer (NOT_FOUND)"),
        422: problem("No payment method, or no provider the storefront can use (VALIDATION_FAILED, UNPROCESSABLE)"),
      },
    }),
    async (c) => c.json(await c.get("services").payments.create(scopeOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    tenantRoute("payments:write", {
      method: "post",
      path: "/v1/payments/{id}/capture",
      tags,
      summary: "Capture all (default) or part of an authorized payment; a partial capture releases the rest",
      request: {
        params: IdParam,
        body: { required: false, content: { "application/json": { schema: CapturePayment } } },
      },
      responses: {
        200: json(Payment, "The payment, succeeded, with its captured amount"),
        409: problem("The payment is not authorized (PAYMENT_NOT_CAPTURABLE)"),
        422: problem(
          "More than is capturable, a partial capture the provider cannot do (CAPTURE_AMOUNT_INVALID), or refused by the provider (UNPROCESSABLE)",
        ),
        503: problem("The provider did not confirm; retrying replays the same capture (UNAVAILABLE)"),
      },
    }),
    async (c) =>
      c.json(
        await c.get("services").payments.capture(scopeOf(c), c.req.valid("param").id, c.req.valid("json") ?? {}),
        200,
      ),
  )
  .openapi(
    tenantRoute("payments:write", {
      method: "post",
      path: "/v1/payments/{id}/void",
      tags,
      summary: "Release an uncaptured authorization",
      request: { params: IdParam },
      responses: {
        200: json(Payment, "The payment, voided"),
        409: problem("The payment is not an uncaptured authorization (PAYMENT_NOT_VOIDABLE)"),
        503: problem("The provider did not confirm; retry the request (UNAVAILABLE)"),
      },
    }),
    async (c) => c.json(await c.get("services").payments.void(scopeOf(c), c.req.valid("param").id), 200),
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
