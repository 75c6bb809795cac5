import { OpenAPIHono } from "@hono/zod-openapi";
import {
  CancelSubscription,
  ChangePlan,
  CreateSubscription,
  listOf,
  Subscription,
  SubscriptionListQuery,
  UpdatePaymentMethod,
} from "@tessera/core";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, ProblemSchema, tenantRoute } from "../../http/route.js";

const tags = ["Subscriptions"];

const paymentProblems = {
  402: {
    description: "The payment was declined (PAYMENT_FAILED; `payment`, `decline_code`, `retryable` say which and why)",
    content: { "application/problem+json": { schema: ProblemSchema } },
  },
  422: {
    description: "The storefront has no payment provider this server can use (UNPROCESSABLE)",
    content: { "application/problem+json": { schema: ProblemSchema } },
  },
  503: {
    description: "No payment provider could be reached (nothing was charged)",
    content: { "application/problem+json": { schema: ProblemSchema } },
  },
} as const;

function action<const Q extends { params: typeof IdParam; body?: ReturnType<typeof jsonBody> }>(
  path: string,
  summary: string,
  request: Q,
) {
  return tenantRoute("subscriptions:write", {
    method: "post",
    path: `/v1/subscriptions/{id}/${path}`,
    tags,
    summary,
    request,
    responses: { 200: json(Subscription, "The subscription after the change"), ...paymentProblems },
  });
}

export const subscriptionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("subscriptions:write", {
      method: "post",
      path: "/v1/subscriptions",
      tags,
      summary:
        "Subscribe a customer to a price: with a trial it starts `trial`; otherwise the first period is charged now " +
        "(a decline answers 402 and creates nothing)",
      request: { body: jsonBody(CreateSubscription) },
      responses: {
        201: json(Subscription, "The subscription"),
        ...paymentProblems,
        422: {
          description:
            "CHANNEL_NOT_ENABLED: the customer's storefront does not enable `channel`; CHANNEL_MANAGED_EXTERNALLY: " +
            "the channel's vendor creates its subscriptions (they arrive as notifications)",
          content: { "application/problem+json": { schema: ProblemSchema } },
        },
      },
    }),
    async (c) => c.json(await c.get("services").subscriptions.create(scopeOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    tenantRoute("subscriptions:read", {
      method: "get",
      path: "/v1/subscriptions",
      tags,
      summary: "List subscriptions, newest first (filter by customer and status)",
      request: { query: SubscriptionListQuery },
      responses: { 200: json(listOf(Subscription, "Subscription"), "A page of subscriptions") },
    }),
    async (c) => c.json(await c.get("services").subscriptions.list(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("subscriptions:read", {
      method: "get",
      path: "/v1/subscriptions/{id}",
      tags,
      summary: "Get a subscription with its status history and latest payment",
      request: { params: IdParam },
      responses: { 200: json(Subscription, "The subscription") },
    }),
    async (c) => {
      const services = c.get("services");
      const scope = scopeOf(c);
      const sub = await services.subscriptions.get(scope, c.req.valid("param").id);
      // A store-managed subscription shows the vendor's ids, from its channel link.
      const link = sub.channel === "direct" ? undefined : await services.channels.findLinkOfSubscription(scope, sub.id);
      const vendor = link
        ? {
            channel: sub.channel,
            vendor_subscription_id: link.vendor_subscription_id,
            vendor_customer_id: link.vendor_customer_id,
          }
        : null;
      return c.json(vendor ? { ...sub, vendor } : sub, 200);
    },
  )
  .openapi(
    action("cancel", "Cancel now, or at the end of the current period (undo that with /resume)", {
      params: IdParam,
      body: jsonBody(CancelSubscription),
    }),
    async (c) =>
      c.json(
        await c.get("services").subscriptions.cancel(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(action("resume", "Unschedule a cancel at period end", { params: IdParam }), async (c) =>
    c.json(await c.get("services").subscriptions.resume(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    action("change-plan", "Switch price now (prorated, charged at once) or at the period end", {
      params: IdParam,
      body: jsonBody(ChangePlan),
    }),
    async (c) =>
      c.json(
        await c.get("services").subscriptions.changePlan(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    action("payment-method", "Replace the payment method used for the next charges", {
      params: IdParam,
      body: jsonBody(UpdatePaymentMethod),
    }),
    async (c) =>
      c.json(
        await c
          .get("services")
          .subscriptions.updatePaymentMethod(scopeOf(c), c.req.valid("param").id, c.req.valid("json").payment_method),
        200,
      ),
  )
  .openapi(
    action("retry", "Pay the unpaid period of a grace or suspended subscription now", { params: IdParam }),
    async (c) => c.json(await c.get("services").subscriptions.retry(scopeOf(c), c.req.valid("param").id), 200),
  );
