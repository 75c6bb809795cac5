import type {
  CancelVendorSubscriptionInput,
  ChannelLinkResult,
  ChannelProduct,
  ChannelProductInput,
  ChannelSettings,
  ChannelSettingsInput,
  CreateChannelLinkInput,
  PayPalSubscriptionStarted,
  StartPayPalSubscriptionInput,
  StartTelecomAuthorisationInput,
  Storefront,
  TelecomAuthorisation,
  TelecomPinInput,
  VendorCancelRequested,
} from "../generated/types.js";
import { type RequestOptions, seg } from "./http.js";
import { type ListParams, Namespace, type Page } from "./resources.js";

/** A subscription channel a storefront can enable: `app_store`, `play_store`, `paypal`, `telecom`. */
export type ChannelName = Storefront["channels"][number];

/**
 * Subscription channels of storefronts (`tessera.channels`): settings, the product map,
 * customer links, and the flows started from Tessera (PayPal subscriptions, carrier billing). The
 * vendors' notifications arrive at the channels' own public routes.
 *
 * @example
 * await tessera.channels.mapProduct("web", "app_store", "com.example.gold.monthly", { price: "price_123" });
 */
export class ChannelsApi extends Namespace {
  /**
   * Sets a storefront's settings of a channel (and enables it). Credentials are write-only.
   *
   * @example
   * await tessera.channels.setSettings("web", "app_store", {
   *   config: { bundle_id: "com.example.app", environment: "Production", app_apple_id: 1234567890 },
   *   credentials: { private_key: pem },
   * });
   */
  setSettings(
    storefront: string,
    channel: ChannelName,
    input: ChannelSettingsInput,
    options?: RequestOptions,
  ): Promise<ChannelSettings> {
    return this.call("PUT", `/v1/storefronts/${seg(storefront)}/channels/${seg(channel)}`, { ...options, json: input });
  }

  /**
   * A storefront's settings of a channel: which secrets are set, never their values.
   *
   * @example
   * const { notification_url } = await tessera.channels.retrieveSettings("web", "app_store");
   */
  retrieveSettings(storefront: string, channel: ChannelName, options?: RequestOptions): Promise<ChannelSettings> {
    return this.call("GET", `/v1/storefronts/${seg(storefront)}/channels/${seg(channel)}`, options);
  }

  /**
   * One page of the product map of a storefront's channel.
   *
   * @example
   * const { data } = await tessera.channels.listProducts("web", "app_store");
   */
  listProducts(
    storefront: string,
    channel: ChannelName,
    params?: ListParams,
    options?: RequestOptions,
  ): Promise<Page<ChannelProduct>> {
    return this.call("GET", `/v1/storefronts/${seg(storefront)}/channels/${seg(channel)}/products`, {
      ...options,
      query: params,
    });
  }

  /**
   * Maps a vendor product to one of our prices; notifications parked for it are applied again.
   *
   * @example
   * await tessera.channels.mapProduct("web", "app_store", "com.example.gold.monthly", { price: "price_123" });
   */
  mapProduct(
    storefront: string,
    channel: ChannelName,
    vendorProductId: string,
    input: ChannelProductInput,
    options?: RequestOptions,
  ): Promise<ChannelProduct> {
    const path = `/v1/storefronts/${seg(storefront)}/channels/${seg(channel)}/products/${seg(vendorProductId)}`;
    return this.call("PUT", path, { ...options, json: input });
  }

  /**
   * Removes a product mapping.
   *
   * @example
   * await tessera.channels.unmapProduct("web", "app_store", "com.example.gold.monthly");
   */
  unmapProduct(
    storefront: string,
    channel: ChannelName,
    vendorProductId: string,
    options?: RequestOptions,
  ): Promise<{ id: string; object: "channel_product"; deleted: true }> {
    const path = `/v1/storefronts/${seg(storefront)}/channels/${seg(channel)}/products/${seg(vendorProductId)}`;
    return this.call("DELETE", path, options);
  }

  /**
   * Links a vendor subscription to a customer; its parked notifications are applied again.
   *
   * @example
   * await tessera.channels.link("web", "app_store", { vendor_subscription_id: "2000000000000001", customer: "cus_123" });
   */
  link(
    storefront: string,
    channel: ChannelName,
    input: CreateChannelLinkInput,
    options?: RequestOptions,
  ): Promise<ChannelLinkResult> {
    return this.call("POST", `/v1/storefronts/${seg(storefront)}/channels/${seg(channel)}/links`, {
      ...options,
      json: input,
    });
  }

  /**
   * Starts a PayPal subscription: created at PayPal and linked to the customer. Send the buyer to
   * `approval_url`; the subscription appears when PayPal reports it active.
   *
   * @example
   * const { approval_url } = await tessera.channels.startPayPalSubscription("web", {
   *   customer: "cus_123",
   *   plan_id: "P-5ML4271244454362WXNWU5NQ",
   *   return_url: "https://example.com/paypal/return",
   *   cancel_url: "https://example.com/paypal/cancel",
   * });
   */
  startPayPalSubscription(
    storefront: string,
    input: StartPayPalSubscriptionInput,
    options?: RequestOptions,
  ): Promise<PayPalSubscriptionStarted> {
    return this.call("POST", `/v1/storefronts/${seg(storefront)}/channels/paypal/subscriptions`, {
      ...options,
      json: input,
    });
  }

  /**
   * Cancels a PayPal subscription at PayPal; PayPal's CANCELLED webhook then ends ours.
   *
   * @example
   * await tessera.channels.cancelPayPalSubscription("web", "I-BW452GLLEP1G", { reason: "Asked by the customer" });
   */
  cancelPayPalSubscription(
    storefront: string,
    vendorSubscriptionId: string,
    input: CancelVendorSubscriptionInput,
    options?: RequestOptions,
  ): Promise<VendorCancelRequested> {
    const path = `/v1/storefronts/${seg(storefront)}/channels/paypal/subscriptions/${seg(vendorSubscriptionId)}/cancel`;
    return this.call("POST", path, { ...options, json: input });
  }

  /**
   * Starts a carrier-billing authorisation (a PIN by SMS, or header enrichment). The phone number is
   * passed to the aggregator and never stored.
   *
   * @example
   * const auth = await tessera.channels.startTelecomAuthorisation("web", {
   *   customer: "cus_123",
   *   product: "premium-weekly",
   *   flow: "pin",
   *   msisdn: "+37251234567",
   *   country: "EE",
   *   channel_code: "sandbox-ee",
   * });
   */
  startTelecomAuthorisation(
    storefront: string,
    input: StartTelecomAuthorisationInput,
    options?: RequestOptions,
  ): Promise<TelecomAuthorisation> {
    return this.call("POST", `/v1/storefronts/${seg(storefront)}/channels/telecom/authorisations`, {
      ...options,
      json: input,
    });
  }

  /**
   * Sends the PIN the consumer received by SMS (three attempts per authorisation).
   *
   * @example
   * const { state } = await tessera.channels.confirmTelecomPin("web", auth.charging_token!, { pin: "1234" });
   */
  confirmTelecomPin(
    storefront: string,
    chargingToken: string,
    input: TelecomPinInput,
    options?: RequestOptions,
  ): Promise<{ object: "telecom_pin"; charging_token: string; state: string }> {
    const path = `/v1/storefronts/${seg(storefront)}/channels/telecom/authorisations/${seg(chargingToken)}/pin`;
    return this.call("POST", path, { ...options, json: input });
  }

  /**
   * Cancels a carrier-billing subscription at the aggregator, by its subscription_uuid.
   *
   * @example
   * await tessera.channels.cancelTelecomSubscription("web", "fbc53c9a-0040-4303-9b91-eb3d305be0d7");
   */
  cancelTelecomSubscription(
    storefront: string,
    subscriptionUuid: string,
    options?: RequestOptions,
  ): Promise<VendorCancelRequested> {
    const path = `/v1/storefronts/${seg(storefront)}/channels/telecom/subscriptions/${seg(subscriptionUuid)}/cancel`;
    return this.call("POST", path, options);
  }
}
