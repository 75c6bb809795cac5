import { OpenAPIHono } from "@hono/zod-openapi";
import {
  ChannelLinkResult,
  ChannelName,
  ChannelNotification,
  ChannelProduct,
  ChannelProductInput,
  ChannelSettingsInput,
  ChannelSettingsView,
  CreateChannelLink,
  ListQuery,
  listOf,
} from "@tessera/core";
import { z } from "zod";
import type { ChannelNotificationRow } from "../../db/types.js";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, tenantRoute } from "../../http/route.js";
import { fromJson } from "../../lib/json.js";

const tags = ["Channels"];

const ChannelParams = z.object({
  id: z.string().meta({ description: "Storefront id or key." }),
  channel: ChannelName.meta({ description: "app_store, play_store, paypal or telecom." }),
});
const ProductParams = ChannelParams.extend({
  vendor_product_id: z
    .string()
    .min(1)
    .max(255)
    .meta({ description: "The vendor's product or plan id (App Store productId, Play product/base plan, …)." }),
});

const Deleted = z
  .object({ id: z.string(), object: z.literal("channel_product"), deleted: z.literal(true) })
  .meta({ id: "ChannelProductDeleted" });

export function toNotificationView(row: ChannelNotificationRow): ChannelNotification {
  return {
    id: row.id,
    object: "channel_notification",
    channel: row.channel as ChannelName,
    storefront: row.storefront_id,
    vendor_event_id: row.vendor_event_id,
    vendor_subscription_id: row.vendor_subscription_id,
    vendor_type: row.vendor_type,
    vendor_subtype: row.vendor_subtype,
    event: row.event,
    occurred_at: row.occurred_at,
    verified: row.verified === 1,
    status: row.status,
    detail: row.detail,
    changes: fromJson<Record<string, unknown> | null>(row.changes, null),
    raw: row.raw,
    received_at: row.received_at,
    applied_at: row.applied_at,
  };
}

/** Channel settings, the product map and customer links of a storefront; a subscription's notifications. */
export const channelRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("storefronts:write", {
      method: "put",
      path: "/v1/storefronts/{id}/channels/{channel}",
      tags,
      summary:
        "Set a storefront's settings of a subscription channel (and enable it there). Credentials are encrypted " +
        "and never returned; omit them to keep the stored ones.",
      request: { params: ChannelParams, body: jsonBody(ChannelSettingsInput) },
      responses: { 200: json(ChannelSettingsView, "The settings, without secret values") },
    }),
    async (c) => {
      const { id, channel } = c.req.valid("param");
      const view = await c.get("services").channelSettings.put(scopeOf(c), id, channel, c.req.valid("json"));
      return c.json(view, 200);
    },
  )
  .openapi(
    tenantRoute("storefronts:read", {
      method: "get",
      path: "/v1/storefronts/{id}/channels/{channel}",
      tags,
      summary: "Get a storefront's settings of a channel (which secrets are set, never their values)",
      request: { params: ChannelParams },
      responses: { 200: json(ChannelSettingsView, "The settings") },
    }),
    async (c) => {
      const { id, channel } = c.req.valid("param");
      return c.json(await c.get("services").channelSettings.get(scopeOf(c), id, channel), 200);
    },
  )
  .openapi(
    tenantRoute("storefronts:read", {
      method: "get",
      path: "/v1/storefronts/{id}/channels/{channel}/products",
      tags,
      summary: "List the product map: the vendor's product ids and the prices they stand for",
      request: { params: ChannelParams, query: ListQuery },
      responses: { 200: json(listOf(ChannelProduct, "ChannelProduct"), "A page of mapped products") },
    }),
    async (c) => {
      const { id, channel } = c.req.valid("param");
      const page = await c.get("services").channelSettings.listProducts(scopeOf(c), id, channel, c.req.valid("query"));
      return c.json(page, 200);
    },
  )
  .openapi(
    tenantRoute("storefronts:write", {
      method: "put",
      path: "/v1/storefronts/{id}/channels/{channel}/products/{vendor_product_id}",
      tags,
      summary:
        "Map a vendor product to one of our prices (its bundle is what it grants). Notifications parked for the " +
        "unknown product are applied again.",
      request: { params: ProductParams, body: jsonBody(ChannelProductInput) },
      responses: { 200: json(ChannelProduct, "The mapping") },
    }),
    async (c) => {
      const { id, channel, vendor_product_id } = c.req.valid("param");
      const scope = scopeOf(c);
      const services = c.get("services");
      const storefront = await services.storefronts.requireStorefront(scope, id);
      await services.channels.mapProduct(scope, {
        channel,
        storefrontId: storefront.id,
        vendorProductId: vendor_product_id,
        priceId: c.req.valid("json").price,
      });
      return c.json(await services.channelSettings.findProduct(scope, storefront.id, channel, vendor_product_id), 200);
    },
  )
  .openapi(
    tenantRoute("storefronts:write", {
      method: "delete",
      path: "/v1/storefronts/{id}/channels/{channel}/products/{vendor_product_id}",
      tags,
      summary: "Remove a product mapping (subscriptions made from it stay)",
      request: { params: ProductParams },
      responses: { 200: json(Deleted, "Deleted") },
    }),
    async (c) => {
      const { id, channel, vendor_product_id } = c.req.valid("param");
      const result = await c.get("services").channelSettings.deleteProduct(scopeOf(c), id, channel, vendor_product_id);
      return c.json(result, 200);
    },
  )
  .openapi(
    tenantRoute("subscriptions:write", {
      method: "post",
      path: "/v1/storefronts/{id}/channels/{channel}/links",
      tags,
      summary:
        "Link a vendor subscription to a customer (when the purchase carried no usable customer hint). Its parked " +
        "notifications are applied again.",
      request: { params: ChannelParams, body: jsonBody(CreateChannelLink) },
      responses: { 200: json(ChannelLinkResult, "Linked") },
    }),
    async (c) => {
      const { id, channel } = c.req.valid("param");
      const body = c.req.valid("json");
      const scope = scopeOf(c);
      const services = c.get("services");
      const storefront = await services.storefronts.requireStorefront(scope, id);
      const { retried } = await services.channels.link(scope, {
        channel,
        storefrontId: storefront.id,
        vendorSubscriptionId: body.vendor_subscription_id,
        customerId: body.customer,
      });
      return c.json(
        {
          object: "channel_link" as const,
          channel,
          vendor_subscription_id: body.vendor_subscription_id,
          customer: body.customer,
          retried,
        },
        200,
      );
    },
  )
  .openapi(
    tenantRoute("subscriptions:read", {
      method: "get",
      path: "/v1/subscriptions/{id}/notifications",
      tags,
      summary: "Every notification the vendor sent about a subscription, in the vendor's order, with what it changed",
      request: { params: IdParam },
      responses: { 200: json(listOf(ChannelNotification, "ChannelNotification"), "The notifications") },
    }),
    async (c) => {
      const scope = scopeOf(c);
      const services = c.get("services");
      const sub = await services.subscriptions.get(scope, c.req.valid("param").id);
      const rows = await services.channels.listNotifications(scope, sub.id);
      return c.json(
        { object: "list" as const, data: rows.map(toNotificationView), has_more: false, next_cursor: null },
        200,
      );
    },
  )
  .openapi(
    tenantRoute("subscriptions:write", {
      method: "post",
      path: "/v1/subscriptions/{id}/refetch",
      tags,
      summary:
        "Repair a store-managed subscription from the vendor's current status (App Store Server API, Play " +
        "Developer API), as if a missed notification had come",
      request: { params: IdParam },
      responses: { 200: json(ChannelNotification, "The vendor's answer as kept in the inbox") },
    }),
    async (c) => {
      const scope = scopeOf(c);
      const services = c.get("services");
      const sub = await services.subscriptions.get(scope, c.req.valid("param").id);
      const row = await services.channels.refetch(scope, sub.id);
      return c.json(toNotificationView(row), 200);
    },
  );
