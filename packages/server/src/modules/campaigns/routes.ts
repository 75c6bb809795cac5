import { OpenAPIHono } from "@hono/zod-openapi";
import {
  ApplyDiscount,
  CampaignOffer,
  Coupon,
  CouponListQuery,
  CreateCoupon,
  CreatePromotionCode,
  DeletionResult,
  Discount,
  IssueCampaignOffer,
  listOf,
  PromotionCode,
  PromotionCodeListQuery,
  Redemption,
  RedemptionListQuery,
  UpdateCoupon,
} from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Campaigns"];

const CampaignOfferList = z
  .object({ object: z.literal("list"), data: z.array(CampaignOffer) })
  .meta({ id: "CampaignOfferList" });

export const campaignRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("campaigns:write", {
      method: "post",
      path: "/v1/coupons",
      tags,
      summary: "Create a coupon: percent or amount off, duration, restrictions, limits, velocity, trigger",
      request: { body: jsonBody(CreateCoupon) },
      responses: { 201: json(Coupon, "The coupon") },
    }),
    async (c) => c.json(await c.get("services").campaigns.createCoupon(scopeOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    tenantRoute("campaigns:read", {
      method: "get",
      path: "/v1/coupons",
      tags,
      summary: "List coupons, newest first",
      request: { query: CouponListQuery },
      responses: { 200: json(listOf(Coupon, "Coupon"), "A page of coupons") },
    }),
    async (c) => c.json(await c.get("services").campaigns.listCoupons(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("campaigns:read", {
      method: "get",
      path: "/v1/coupons/{id}",
      tags,
      summary: "Get a coupon (with times_redeemed)",
      request: { params: IdParam },
      responses: { 200: json(Coupon, "The coupon") },
    }),
    async (c) => c.json(await c.get("services").campaigns.getCoupon(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("campaigns:write", {
      method: "patch",
      path: "/v1/coupons/{id}",
      tags,
      summary: "Update a coupon's name, end, overall limit, velocity or metadata (its terms never change)",
      request: { params: IdParam, body: jsonBody(UpdateCoupon) },
      responses: { 200: json(Coupon, "The coupon") },
    }),
    async (c) =>
      c.json(
        await c.get("services").campaigns.updateCoupon(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    tenantRoute("campaigns:write", {
      method: "delete",
      path: "/v1/coupons/{id}",
      tags,
      summary: "Delete a coupon never redeemed; one that was is archived (no new redemptions, discounts keep running)",
      request: { params: IdParam },
      responses: { 200: json(DeletionResult, "What happened") },
    }),
    async (c) => c.json(await c.get("services").campaigns.deleteCoupon(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("campaigns:write", {
      method: "post",
      path: "/v1/promotion-codes",
      tags,
      summary:
        "Create a customer-facing promotion code for a coupon (optionally for one customer, with its own limit and expiry)",
      request: { body: jsonBody(CreatePromotionCode) },
      responses: { 201: json(PromotionCode, "The promotion code") },
    }),
    async (c) => c.json(await c.get("services").campaigns.createPromotionCode(scopeOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    tenantRoute("campaigns:read", {
      method: "get",
      path: "/v1/promotion-codes",
      tags,
      summary: "List promotion codes, by coupon, code or status",
      request: { query: PromotionCodeListQuery },
      responses: { 200: json(listOf(PromotionCode, "PromotionCode"), "A page of promotion codes") },
    }),
    async (c) => c.json(await c.get("services").campaigns.listPromotionCodes(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("campaigns:read", {
      method: "get",
      path: "/v1/promotion-codes/{id}",
      tags,
      summary: "Get a promotion code",
      request: { params: IdParam },
      responses: { 200: json(PromotionCode, "The promotion code") },
    }),
    async (c) => c.json(await c.get("services").campaigns.getPromotionCode(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("campaigns:write", {
      method: "post",
      path: "/v1/promotion-codes/{id}/archive",
      tags,
      summary: "Archive a promotion code: it is refused from now on (its redemptions stay in the ledger)",
      request: { params: IdParam },
      responses: { 200: json(PromotionCode, "The promotion code") },
    }),
    async (c) =>
      c.json(await c.get("services").campaigns.archivePromotionCode(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("campaigns:read", {
      method: "get",
      path: "/v1/campaigns/redemptions",
      tags,
      summary: "The redemption ledger: every redemption and refusal with the checks that decided it",
      request: { query: RedemptionListQuery },
      responses: { 200: json(listOf(Redemption, "Redemption"), "A page of ledger entries, newest first") },
    }),
    async (c) => c.json(await c.get("services").campaigns.listRedemptions(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("subscriptions:write", {
      method: "post",
      path: "/v1/subscriptions/{id}/discount",
      tags,
      summary:
        "Redeem a promotion code or coupon on a subscription: from its next charged period (replaces a discount it has)",
      request: { params: IdParam, body: jsonBody(ApplyDiscount) },
      responses: { 201: json(Discount, "The discount") },
    }),
    async (c) =>
      c.json(
        await c.get("services").campaigns.applyToSubscription(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        201,
      ),
  )
  .openapi(
    tenantRoute("subscriptions:read", {
      method: "get",
      path: "/v1/subscriptions/{id}/discount",
      tags,
      summary: "The subscription's active discount (404 when it has none)",
      request: { params: IdParam },
      responses: { 200: json(Discount, "The discount") },
    }),
    async (c) =>
      c.json(await c.get("services").campaigns.getSubscriptionDiscount(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("subscriptions:write", {
      method: "delete",
      path: "/v1/subscriptions/{id}/discount",
      tags,
      summary: "End the subscription's discount now: later charges are at the full price",
      request: { params: IdParam },
      responses: { 200: json(Discount, "The ended discount") },
    }),
    async (c) =>
      c.json(await c.get("services").campaigns.removeFromSubscription(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("campaigns:offer", {
      method: "post",
      path: "/v1/customers/{id}/campaign-offers",
      tags,
      summary:
        "Offer a customer a campaign whose trigger is `api` (trusted keys only): a time-limited right to redeem it, within the trigger's per-customer limit",
      request: { params: IdParam, body: jsonBody(IssueCampaignOffer) },
      responses: { 201: json(CampaignOffer, "The offer") },
    }),
    async (c) =>
      c.json(
        await c.get("services").campaigns.offer(scopeOf(c), c.req.valid("param").id, c.req.valid("json").coupon),
        201,
      ),
  )
  .openapi(
    tenantRoute("campaigns:read", {
      method: "get",
      path: "/v1/customers/{id}/campaign-offers",
      tags,
      summary: "The customer's campaign offers (latest 100), open, redeemed or expired",
      request: { params: IdParam },
      responses: { 200: json(CampaignOfferList, "The offers") },
    }),
    async (c) =>
      c.json(
        {
          object: "list" as const,
          data: await c.get("services").campaigns.listOffers(scopeOf(c), c.req.valid("param").id),
        },
        200,
      ),
  );
