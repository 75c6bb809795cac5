import { OpenAPIHono } from "@hono/zod-openapi";
import {
  AnswerPriceChange,
  CreatePriceMigration,
  ListQuery,
  listOf,
  PRICE_CHANGE_STATUSES,
  PriceMigration,
  PriceMigrationPreview,
  Subscription,
  SubscriptionPriceChange,
} from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Price changes"];

const ChangesQuery = ListQuery.extend({
  status: z.enum(PRICE_CHANGE_STATUSES).optional().meta({ description: "Only changes in this status." }),
});

const answer = (kind: "consent" | "decline") =>
  tenantRoute("subscriptions:write", {
    method: "post",
    path: `/v1/subscriptions/{id}/price-change/${kind}`,
    tags,
    summary:
      kind === "consent"
        ? "Record the customer's consent to the pending price change (until its renewal): the new price applies " +
          "from effective_at. Recorded in the consent history (purpose price_change); sends " +
          "subscription.price_change_consented"
        : "Record that the customer declines the pending price change: at its renewal the subscription is cancelled " +
          "or kept on the old price (the migration's on_no_consent). Recorded in the consent history; sends " +
          "subscription.price_change_declined",
    request: { params: IdParam, body: jsonBody(AnswerPriceChange) },
    responses: { 200: json(Subscription, "The subscription with its pending_price_change") },
  });

export const priceChangeRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("subscriptions:write", {
      method: "post",
      path: "/v1/prices/{id}/migrations",
      tags,
      summary:
        "Change the price of the current subscribers of this price to another price of its bundle: grandfather, " +
        "notify (applies from the first renewal notice_days ahead) or require_consent. Runs as a job " +
        "(GET the migration for progress); dry_run lists what it would do",
      request: { params: IdParam, body: jsonBody(CreatePriceMigration) },
      responses: {
        200: json(PriceMigrationPreview, "dry_run: the subscriptions that would be affected or skipped"),
        201: json(PriceMigration, "The migration, running"),
      },
    }),
    async (c) => {
      const result = await c
        .get("services")
        .priceChanges.create(scopeOf(c), c.req.valid("param").id, c.req.valid("json"));
      return result.dryRun ? c.json(result.preview, 200) : c.json(result.migration, 201);
    },
  )
  .openapi(
    tenantRoute("subscriptions:read", {
      method: "get",
      path: "/v1/price-migrations",
      tags,
      summary: "Price migrations, newest first",
      request: { query: ListQuery },
      responses: { 200: json(listOf(PriceMigration, "PriceMigration"), "A page of migrations") },
    }),
    async (c) => c.json(await c.get("services").priceChanges.list(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("subscriptions:read", {
      method: "get",
      path: "/v1/price-migrations/{id}",
      tags,
      summary: "A price migration: its settings, status and how many subscriptions it reached so far",
      request: { params: IdParam },
      responses: { 200: json(PriceMigration, "The migration") },
    }),
    async (c) => c.json(await c.get("services").priceChanges.get(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("subscriptions:read", {
      method: "get",
      path: "/v1/price-migrations/{id}/changes",
      tags,
      summary: "What the migration did to each subscription (scheduled, awaiting consent, applied, skipped …)",
      request: { params: IdParam, query: ChangesQuery },
      responses: {
        200: json(listOf(SubscriptionPriceChange, "SubscriptionPriceChange"), "A page of subscription price changes"),
      },
    }),
    async (c) =>
      c.json(
        await c.get("services").priceChanges.changes(scopeOf(c), c.req.valid("param").id, c.req.valid("query")),
        200,
      ),
  )
  .openapi(answer("consent"), async (c) =>
    c.json(
      await c.get("services").priceChanges.answer(scopeOf(c), c.req.valid("param").id, "consent", c.req.valid("json")),
      200,
    ),
  )
  .openapi(answer("decline"), async (c) =>
    c.json(
      await c.get("services").priceChanges.answer(scopeOf(c), c.req.valid("param").id, "decline", c.req.valid("json")),
      200,
    ),
  );
