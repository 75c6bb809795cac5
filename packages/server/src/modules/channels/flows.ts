import type {
  ChannelName,
  PayPalSubscriptionStarted,
  StartPayPalSubscription,
  StartTelecomAuthorisation,
  TelecomAuthorisation,
  VendorCancelRequested,
} from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import { ApiError } from "../../errors.js";
import type { CustomersService } from "../customers/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import { notificationPath } from "./paths.js";
import { approvalLink, type PayPalApi } from "./paypal/api.js";
import type { ChannelSettings } from "./port.js";
import type { ChannelsService } from "./service.js";
import { reference, type TelecomApi } from "./telecom/api.js";
import { maskMsisdn } from "./telecom/msisdn.js";

/*
 * What a merchant starts from Tessera on a vendor-run channel (the vendor then reports the state
 * by notification, which creates or moves our subscription): a PayPal subscription and its
 * approval link, a carrier-billing authorisation and its PIN, and a cancel at either vendor.
 */

export interface ChannelFlowDeps {
  customers: Pick<CustomersService, "requireCustomer">;
  storefronts: Pick<StorefrontsService, "requireStorefront">;
  channels: Pick<ChannelsService, "link">;
  settings: (scope: Scope, storefrontId: string, channel: ChannelName) => Promise<ChannelSettings>;
  paypal: PayPalApi;
  telecom: TelecomApi;
}

export function channelFlows(deps: Deps, o: ChannelFlowDeps) {
  async function customerOf(scope: Scope, storefrontId: string, customerId: string) {
    const storefront = await o.storefronts.requireStorefront(scope, storefrontId);
    const customer = await o.customers.requireCustomer(scope, customerId);
    if (customer.storefront !== storefront.id) {
      throw new ApiError("VALIDATION_FAILED", `Customer ${customer.id} belongs to another storefront`, {
        errors: [{ path: "customer", message: "belongs to another storefront" }],
      });
    }
    return { storefront, customer };
  }

  function enabled(storefront: { channels: readonly string[]; key: string }, channel: ChannelName) {
    if (!storefront.channels.includes(channel)) {
      throw new ApiError("CHANNEL_NOT_ENABLED", `Storefront "${storefront.key}" does not enable ${channel}`);
    }
  }

  const callbackUrl = (storefrontId: string) =>
    `${deps.baseUrl.replace(/\/+$/, "")}${notificationPath("telecom", storefrontId)}`;

  return {
    /** Creates the subscription at PayPal, links it to the customer, and answers the approval link. */
    async startPayPal(
      scope: Scope,
      storefrontId: string,
      input: StartPayPalSubscription,
      idempotencyKey: string | undefined,
    ): Promise<PayPalSubscriptionStarted> {
      const { storefront, customer } = await customerOf(scope, storefrontId, input.customer);
      enabled(storefront, "paypal");
      const settings = await o.settings(scope, storefront.id, "paypal");
      const created = await o.paypal.createSubscription(settings, {
        planId: input.plan_id,
        customId: customer.id,
        returnUrl: input.return_url,
        cancelUrl: input.cancel_url,
        brandName: input.brand_name,
        // PayPal answers a repeated request id with the first subscription, never a second one.
        requestId: idempotencyKey ?? `${scope.environmentId}:${customer.id}:${input.plan_id}:${scope.requestId ?? ""}`,
      });
      await o.channels.link(scope, {
        channel: "paypal",
        storefrontId: storefront.id,
        vendorSubscriptionId: created.id,
        customerId: customer.id,
      });
      return {
        object: "paypal_subscription",
        vendor_subscription_id: created.id,
        status: created.status,
        approval_url: approvalLink(created),
        customer: customer.id,
        plan_id: input.plan_id,
      };
    },

    async cancelPayPal(
      scope: Scope,
      storefrontId: string,
      vendorSubscriptionId: string,
      reason: string,
    ): Promise<VendorCancelRequested> {
      const storefront = await o.storefronts.requireStorefront(scope, storefrontId);
      await o.paypal.cancelSubscription(await o.settings(scope, storefront.id, "paypal"), vendorSubscriptionId, reason);
      return {
        object: "vendor_cancel",
        channel: "paypal",
        vendor_subscription_id: vendorSubscriptionId,
        status: "requested",
      };
    },

    /** Starts identifying the consumer at the aggregator; the phone number is passed on, never kept. */
    async startTelecom(
      scope: Scope,
      storefrontId: string,
      input: StartTelecomAuthorisation,
    ): Promise<TelecomAuthorisation> {
      const { storefront, customer } = await customerOf(scope, storefrontId, input.customer);
      enabled(storefront, "telecom");
      if (input.flow === "pin" && !input.msisdn) {
        throw new ApiError("VALIDATION_FAILED", "The PIN flow needs the consumer's phone number", {
          errors: [{ path: "msisdn", message: "required for flow pin" }],
        });
      }
      const settings = await o.settings(scope, storefront.id, "telecom");
      const operationReference = reference(input.product, customer.id);
      const started = await o.telecom.startAuthorisation(settings, {
        flow: input.flow,
        msisdn: input.msisdn,
        country: input.country,
        channelCode: input.channel_code,
        operationReference,
        callbackUrl: callbackUrl(storefront.id),
      });
      return {
        object: "telecom_authorisation",
        operation_reference: operationReference,
        charging_token: started.charging_token ?? null,
        state: started.authorisation_state ?? "new",
        he_url: started.flow?.he?.url ?? null,
        msisdn: input.msisdn ? maskMsisdn(input.msisdn) : null,
      };
    },

    async confirmTelecomPin(
      scope: Scope,
      storefrontId: string,
      chargingToken: string,
      pin: string,
    ): Promise<{ object: "telecom_pin"; charging_token: string; state: string }> {
      const storefront = await o.storefronts.requireStorefront(scope, storefrontId);
      const answer = await o.telecom.confirmPin(await o.settings(scope, storefront.id, "telecom"), chargingToken, pin);
      return { object: "telecom_pin", charging_token: chargingToken, state: answer.authorisation_state ?? "confirmed" };
    },

    async cancelTelecom(scope: Scope, storefrontId: string, subscriptionUuid: string): Promise<VendorCancelRequested> {
      const storefront = await o.storefronts.requireStorefront(scope, storefrontId);
      await o.telecom.cancelSubscription(await o.settings(scope, storefront.id, "telecom"), subscriptionUuid);
      return {
        object: "vendor_cancel",
        channel: "telecom",
        vendor_subscription_id: subscriptionUuid,
        status: "requested",
      };
    },
  };
}

export type ChannelFlows = ReturnType<typeof channelFlows>;
