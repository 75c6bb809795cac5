import { ApiError } from "../../../errors.js";
import type { Clock } from "../../../lib/clock.js";
import { createPayPalSignatureVerifier } from "../../payments/index.js";
import {
  type ChannelAdapter,
  type ChannelNotification,
  type ChannelSettings,
  mapByTable,
  type Verification,
} from "../port.js";
import { type PayPalApi, type PayPalSale, type PayPalSubscription, payPalApi } from "./api.js";
import { effectOfStatus, inTrial, PAYPAL_MAPPING, periodOf } from "./mapping.js";

/*
 * The PayPal subscriptions channel. PayPal posts one event per webhook delivery (the `event`
 * schema of notifications_webhooks_v1.json); the signature is checked locally with the webhook
 * id the storefront registered (credentials.webhook_id). Subscription events carry the whole
 * subscription; sale events carry the sale, whose billing_agreement_id is the subscription id
 * (a refund carries only sale_id: the sale is looked up).
 *
 * Settings: config.api_base_url; credentials.client_id, client_secret, webhook_id.
 */

export interface PayPalChannelOptions {
  fetch: typeof fetch;
  clock: Clock;
  /** PEM roots for PayPal's certificate chain; the system's by default (a test CA in tests). */
  trustedRoots?: readonly string[];
}

interface PayPalEvent {
  id: string;
  event_type: string;
  create_time: string;
  resource_type?: string;
  resource: Record<string, unknown>;
}

function isEvent(value: unknown): value is PayPalEvent {
  const e = value as PayPalEvent | null;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof e.id === "string" &&
    typeof e.event_type === "string" &&
    typeof e.create_time === "string" &&
    !Number.isNaN(Date.parse(e.create_time)) &&
    typeof e.resource === "object" &&
    e.resource !== null
  );
}

const text = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : null);

export function payPalChannel(options: PayPalChannelOptions): ChannelAdapter & { api: PayPalApi } {
  // The same verifier as the PayPal payment adapter's (one certificate cache per channel instance).
  const signature = createPayPalSignatureVerifier(options);
  const testVerifiers = new Map<string, ReturnType<typeof createPayPalSignatureVerifier>>();
  const api = payPalApi(options);

  /**
   * Outside production a storefront may trust a local test root and fetch PayPal's certificate
   * URL's path from a local origin (the simulator, end-to-end tests): the URL must still name a
   * PayPal host and the chain must still verify. checkSettings refuses both in production.
   */
  function verifierFor(settings: ChannelSettings) {
    const root = settings.config.test_trusted_root;
    const origin = settings.config.test_certificate_origin;
    if (typeof root !== "string" || typeof origin !== "string") return signature;
    const key = `${origin}\n${root}`;
    let verifier = testVerifiers.get(key);
    if (!verifier) {
      const local = origin.replace(/\/+$/, "");
      verifier = createPayPalSignatureVerifier({
        clock: options.clock,
        trustedRoots: [root],
        fetch: (input, init) => {
          const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
          return options.fetch(`${local}${url.pathname}${url.search}`, init);
        },
      });
      testVerifiers.set(key, verifier);
    }
    return verifier;
  }

  async function subscriptionOfSale(
    resource: Record<string, unknown>,
    settings: Parameters<ChannelAdapter["verify"]>[1],
  ): Promise<string | null> {
    const direct = text(resource.billing_agreement_id);
    if (direct) return direct;
    const saleId = text(resource.sale_id);
    if (!saleId) return null;
    const sale: PayPalSale = await api.getSale(settings, saleId);
    return text(sale.billing_agreement_id);
  }

  return {
    name: "paypal",
    capabilities: { notifications: true, refetch: true, managedBy: "vendor" },
    mapping: PAYPAL_MAPPING,
    map: (n) => mapByTable(PAYPAL_MAPPING, n),
    api,

    checkSettings(settings, { production }) {
      const errors: Array<{ path: string; message: string }> = [];
      const base = settings.config.api_base_url;
      if (typeof base !== "string" || !/^https?:\/\//.test(base)) {
        errors.push({ path: "config.api_base_url", message: "PayPal's API base, e.g. https://api-m.paypal.com" });
      } else if (production && !base.startsWith("https://")) {
        errors.push({ path: "config.api_base_url", message: "https in production" });
      }
      for (const key of ["client_id", "client_secret", "webhook_id"]) {
        if (!settings.credentials[key]) errors.push({ path: `credentials.${key}`, message: "required" });
      }
      for (const key of ["test_trusted_root", "test_certificate_origin"]) {
        if (production && settings.config[key] !== undefined) {
          errors.push({ path: `config.${key}`, message: "only outside production (simulator and tests)" });
        }
      }
      return errors;
    },

    async verify(request, settings): Promise<Verification> {
      const webhookId = settings.credentials.webhook_id;
      if (!webhookId) {
        return {
          verified: false,
          code: "NOT_CONFIGURED",
          reason: "the PayPal settings have no credentials.webhook_id",
        };
      }
      const check = await verifierFor(settings).verify(
        { headers: { ...request.headers }, body: request.body },
        webhookId,
      );
      if (!check.verified) return { verified: false, code: "SIGNATURE_REFUSED", reason: check.reason };
      let event: unknown;
      try {
        event = JSON.parse(request.body);
      } catch {
        return { verified: false, code: "MALFORMED", reason: "the body is not JSON" };
      }
      if (!isEvent(event)) {
        return { verified: false, code: "MALFORMED", reason: "the body is not a PayPal webhook event" };
      }
      const r = event.resource;
      const isSubscription = event.event_type.startsWith("BILLING.SUBSCRIPTION.");
      let vendorSubscriptionId: string | null;
      let subtype: string | null = null;
      let productId: string | null = null;
      let customerHint: string | null = null;
      let period: { start: string; end: string } | undefined;
      if (isSubscription) {
        const subscription = r as unknown as PayPalSubscription;
        vendorSubscriptionId = text(subscription.id);
        productId = text(subscription.plan_id);
        customerHint = text(subscription.custom_id);
        period = periodOf(subscription);
        if (event.event_type === "BILLING.SUBSCRIPTION.UPDATED") subtype = text(subscription.status);
        if (event.event_type === "BILLING.SUBSCRIPTION.ACTIVATED" && inTrial(subscription)) subtype = "TRIAL";
      } else {
        try {
          vendorSubscriptionId = await subscriptionOfSale(r, settings);
        } catch (error) {
          // Answered 4xx so PayPal delivers it again later, when the lookup may succeed.
          const reason = error instanceof ApiError ? error.message : "the sale could not be looked up";
          return { verified: false, code: "SALE_LOOKUP_FAILED", reason };
        }
        customerHint = text(r.custom);
      }
      const notification: ChannelNotification = {
        vendorEventId: event.id,
        vendorSubscriptionId,
        occurredAt: new Date(event.create_time).toISOString(),
        sequence: null,
        vendorType: event.event_type,
        vendorSubtype: subtype,
        productId,
        customerHint,
        period,
        raw: event,
      };
      return { verified: true, notifications: [notification] };
    },

    async refetch(link, settings) {
      const subscription = await api.getSubscription(settings, link.vendorSubscriptionId);
      const observed = subscription.status_update_time ?? subscription.update_time;
      return {
        ...effectOfStatus(subscription),
        observedAt: observed ? new Date(observed).toISOString() : options.clock.now().toISOString(),
        period: periodOf(subscription),
      };
    },
  };
}
