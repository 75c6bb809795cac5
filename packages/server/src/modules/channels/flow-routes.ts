import { OpenAPIHono } from "@hono/zod-openapi";
import {
  CancelVendorSubscription,
  PayPalSubscriptionStarted,
  StartPayPalSubscription,
  StartTelecomAuthorisation,
  TelecomAuthorisation,
  TelecomPin,
  VendorCancelRequested,
} from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Channels"];
const Storefront = z.object({ id: z.string().min(1).max(64).meta({ description: "Storefront id or key." }) });
const VendorSubscription = Storefront.extend({
  vendor_subscription_id: z.string().min(1).max(128).meta({ description: "The vendor's subscription id." }),
});
const ChargingToken = Storefront.extend({ charging_token: z.string().min(1).max(200) });
const PinState = z
  .object({ object: z.literal("telecom_pin"), charging_token: z.string(), state: z.string() })
  .meta({ id: "TelecomPinState" });

/** Flows started from Tessera on PayPal and carrier billing (flows.ts decides). */
export const channelFlowRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("subscriptions:write", {
      method: "post",
      path: "/v1/storefronts/{id}/channels/paypal/subscriptions",
      tags,
      summary:
        "Start a PayPal subscription: created at PayPal (Billing Subscriptions API) and linked to the customer; " +
        "send the buyer to `approval_url`. Our subscription appears when PayPal reports it active.",
      request: { params: Storefront, body: jsonBody(StartPayPalSubscription) },
      responses: { 201: json(PayPalSubscriptionStarted, "Created at PayPal, waiting for the buyer's approval") },
    }),
    async (c) =>
      c.json(
        await c
          .get("services")
          .channelFlows.startPayPal(
            scopeOf(c),
            c.req.valid("param").id,
            c.req.valid("json"),
            c.req.header("idempotency-key"),
          ),
        201,
      ),
  )
  .openapi(
    tenantRoute("subscriptions:write", {
      method: "post",
      path: "/v1/storefronts/{id}/channels/paypal/subscriptions/{vendor_subscription_id}/cancel",
      tags,
      summary: "Cancel a PayPal subscription at PayPal; the CANCELLED webhook ends ours",
      request: { params: VendorSubscription, body: jsonBody(CancelVendorSubscription) },
      responses: { 200: json(VendorCancelRequested, "PayPal accepted the cancel") },
    }),
    async (c) => {
      const p = c.req.valid("param");
      return c.json(
        await c
          .get("services")
          .channelFlows.cancelPayPal(scopeOf(c), p.id, p.vendor_subscription_id, c.req.valid("json").reason),
        200,
      );
    },
  )
  .openapi(
    tenantRoute("subscriptions:write", {
      method: "post",
      path: "/v1/storefronts/{id}/channels/telecom/authorisations",
      tags,
      summary:
        "Start a carrier-billing authorisation (PIN by SMS, or header enrichment). The phone number is passed " +
        "to the aggregator and never stored.",
      request: { params: Storefront, body: jsonBody(StartTelecomAuthorisation) },
      responses: { 201: json(TelecomAuthorisation, "Started at the aggregator; its state follows by callback") },
    }),
    async (c) =>
      c.json(
        await c.get("services").channelFlows.startTelecom(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        201,
      ),
  )
  .openapi(
    tenantRoute("subscriptions:write", {
      method: "post",
      path: "/v1/storefronts/{id}/channels/telecom/authorisations/{charging_token}/pin",
      tags,
      summary: "Send the PIN the consumer received (three attempts per authorisation)",
      request: { params: ChargingToken, body: jsonBody(TelecomPin) },
      responses: { 200: json(PinState, "The authorisation's state as the aggregator answers it") },
    }),
    async (c) => {
      const p = c.req.valid("param");
      return c.json(
        await c
          .get("services")
          .channelFlows.confirmTelecomPin(scopeOf(c), p.id, p.charging_token, c.req.valid("json").pin),
        200,
      );
    },
  )
  .openapi(
    tenantRoute("subscriptions:write", {
      method: "post",
      path: "/v1/storefronts/{id}/channels/telecom/subscriptions/{vendor_subscription_id}/cancel",
      tags,
      summary: "Cancel a carrier-billing subscription at the aggregator (by its subscription_uuid)",
      request: { params: VendorSubscription },
      responses: { 200: json(VendorCancelRequested, "The aggregator accepted the cancel") },
    }),
    async (c) => {
      const p = c.req.valid("param");
      return c.json(
        await c.get("services").channelFlows.cancelTelecom(scopeOf(c), p.id, p.vendor_subscription_id),
        200,
      );
    },
  );
