import type { ChannelName } from "@tessera/core";
import type { Scope } from "../../context.js";
import type { Services } from "../../services.js";
import { APPLE_ROOT_CA_G3_PEM } from "./app-store/apple-root.js";
import { AppStoreSimulator, type SimulatedSubscription } from "./app-store/simulator.js";
import { createSigningChain, type SigningChain } from "./app-store/test-ca.js";
import type { SubscriptionPurchaseV2 } from "./play-store/api.js";
import { startFakeGoogle } from "./play-store/fake-google.js";

/*
 * `tessera simulate app-store|play-store <event>`: drives a store subscription on a development
 * environment without a store account. App Store: the storefront is made to trust a local signing
 * chain (kept in its encrypted channel credentials), and the notification is signed with it and
 * sent to a running server (`--server`) or received in-process. Play: a local Google (OIDC keys,
 * OAuth, Developer API) runs for the duration of the command, in-process.
 */

export const APP_STORE_EVENTS = {
  subscribe: ["SUBSCRIBED", "INITIAL_BUY"],
  // A purchase that starts with a one-week introductory free trial (offerDiscountType FREE_TRIAL).
  "subscribe-trial": ["SUBSCRIBED", "INITIAL_BUY"],
  resubscribe: ["SUBSCRIBED", "RESUBSCRIBE"],
  renew: ["DID_RENEW", undefined],
  grace: ["DID_FAIL_TO_RENEW", "GRACE_PERIOD"],
  "billing-retry": ["DID_FAIL_TO_RENEW", undefined],
  recover: ["DID_RENEW", "BILLING_RECOVERY"],
  "auto-renew-off": ["DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED"],
  "auto-renew-on": ["DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_ENABLED"],
  expire: ["EXPIRED", "VOLUNTARY"],
  refund: ["REFUND", undefined],
  revoke: ["REVOKE", undefined],
  test: ["TEST", undefined],
} as const satisfies Record<string, readonly [string, string | undefined]>;

/** Play events: the notification type and the state the local Developer API answers with. */
export const PLAY_EVENTS = {
  subscribe: [4, "SUBSCRIPTION_STATE_ACTIVE"],
  renew: [2, "SUBSCRIPTION_STATE_ACTIVE"],
  grace: [6, "SUBSCRIPTION_STATE_IN_GRACE_PERIOD"],
  hold: [5, "SUBSCRIPTION_STATE_ON_HOLD"],
  recover: [1, "SUBSCRIPTION_STATE_ACTIVE"],
  cancel: [3, "SUBSCRIPTION_STATE_CANCELED"],
  pause: [10, "SUBSCRIPTION_STATE_PAUSED"],
  restart: [7, "SUBSCRIPTION_STATE_ACTIVE"],
  expire: [13, "SUBSCRIPTION_STATE_EXPIRED"],
  revoke: [12, "SUBSCRIPTION_STATE_EXPIRED"],
} as const satisfies Record<string, readonly [number, string]>;

export interface SimulateOptions {
  storefront: string;
  /** App Store originalTransactionId / Play purchase token. */
  subscription: string;
  product: string;
  /** appAccountToken / obfuscatedExternalAccountId: our customer id or external id. */
  customer?: string | undefined;
  /** A running server's URL: the push goes over HTTP (App Store only); else it is received here. */
  server?: string | undefined;
}

export interface SimulateResult {
  channel: ChannelName;
  vendor_event_id: string;
  delivered: "http" | "in-process";
  http_status?: number;
  subscription?: { id: string; status: string; cancel_at_period_end: boolean } | undefined;
}

const DEVELOPMENT_ONLY = (scope: Scope) => {
  if (scope.environment === "production") throw new Error("simulators run on development environments only");
};

/**
 * Applies what was just received before answering: drains this environment's jobs here, and waits
 * while a running server's worker holds one (Play's local Google must outlive that apply).
 */
async function settle(services: Services, scope: Scope, ids: string[]) {
  for (let round = 0; round < 200; round++) {
    await services.worker.drain({ environmentId: scope.environmentId });
    const rows = await Promise.all(ids.map((id) => services.channels.findNotification(scope, id)));
    if (rows.every((r) => r && r.status !== "received")) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the notification was not applied within 10 seconds: is a worker stuck?");
}

async function subscriptionOf(services: Services, scope: Scope, channel: ChannelName, vendorId: string) {
  const links = await services.channels.findLink(scope, channel, vendorId);
  if (!links?.subscription_id) return undefined;
  const s = await services.subscriptions.get(scope, links.subscription_id);
  return { id: s.id, status: s.status, cancel_at_period_end: s.cancel_at_period_end };
}

export async function simulateAppStore(
  services: Services,
  scope: Scope,
  event: keyof typeof APP_STORE_EVENTS,
  o: SimulateOptions,
): Promise<SimulateResult> {
  DEVELOPMENT_ONLY(scope);
  const storefront = await services.storefronts.requireStorefront(scope, o.storefront);
  const stored = await services.channelSettings.load(scope, storefront.id, "app_store").catch(() => undefined);
  const config = { ...(stored?.config ?? {}) };
  config.bundle_id ??= "dev.tessera.simulator";
  config.environment = "Sandbox";
  let chain: SigningChain;
  if (stored?.credentials.simulator_chain) chain = JSON.parse(stored.credentials.simulator_chain) as SigningChain;
  else chain = createSigningChain({ name: "Tessera Simulator" });
  await services.channelSettings.put(scope, storefront.id, "app_store", {
    config,
    credentials: {
      ...(stored?.credentials ?? {}),
      // Apple's root stays trusted beside the simulator's, so real sandbox notifications still verify.
      root_certificates: `${chain.rootPem}\n${APPLE_ROOT_CA_G3_PEM}`,
      simulator_chain: JSON.stringify(chain),
    },
  });
  const simulator = new AppStoreSimulator({ bundleId: String(config.bundle_id), environment: "Sandbox" }, chain);
  const now = scope.clock.now().getTime();
  const sub: SimulatedSubscription = {
    originalTransactionId: o.subscription,
    productId: o.product,
    appAccountToken: o.customer,
    purchaseDate: now,
    expiresDate: now + (event === "subscribe-trial" ? 7 : 30) * 86_400_000,
    autoRenew: event !== "auto-renew-off",
    ...(event === "subscribe-trial" && { offer: { type: 1, discount: "FREE_TRIAL" } as const }),
  };
  const [notificationType, subtype] = APP_STORE_EVENTS[event];
  const { body, notificationUUID } = await simulator.notification({
    notificationType,
    subtype,
    signedDate: now,
    subscription: event === "test" ? undefined : sub,
  });
  const base = { channel: "app_store" as const, vendor_event_id: notificationUUID };
  if (o.server) {
    const res = await fetch(`${o.server.replace(/\/$/, "")}/v1/channels/app-store/${storefront.id}/notifications`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    if (!res.ok) throw new Error(`the server answered ${res.status}: ${await res.text()}`);
    return { ...base, delivered: "http", http_status: res.status };
  }
  const { received } = await services.channels.receiveFor("app_store", storefront.id, { headers: {}, body }, undefined);
  await settle(
    services,
    scope,
    received.notifications.map((n) => n.id),
  );
  return {
    ...base,
    delivered: "in-process",
    subscription: await subscriptionOf(services, scope, "app_store", o.subscription),
  };
}

export async function simulatePlayStore(
  services: Services,
  scope: Scope,
  event: keyof typeof PLAY_EVENTS,
  o: SimulateOptions,
): Promise<SimulateResult> {
  DEVELOPMENT_ONLY(scope);
  const storefront = await services.storefronts.requireStorefront(scope, o.storefront);
  const google = await startFakeGoogle();
  try {
    const stored = await services.channelSettings.load(scope, storefront.id, "play_store").catch(() => undefined);
    const audience = `tessera-simulator:${storefront.id}`;
    const config = {
      ...(stored?.config ?? {}),
      package_name: stored?.config.package_name ?? "dev.tessera.simulator",
      audience,
      jwks_url: `${google.url}/oauth2/v3/certs`,
      api_base_url: google.url,
    };
    await services.channelSettings.put(scope, storefront.id, "play_store", {
      config,
      credentials: { ...(stored?.credentials ?? {}), service_account_json: google.serviceAccountJson },
    });
    const [notificationType, state] = PLAY_EVENTS[event];
    const now = scope.clock.now();
    const [productId, basePlanId] = o.product.split(":");
    const purchase: SubscriptionPurchaseV2 = {
      startTime: now.toISOString(),
      subscriptionState: state,
      acknowledgementState:
        event === "subscribe" ? "ACKNOWLEDGEMENT_STATE_PENDING" : "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED",
      ...(o.customer && { externalAccountIdentifiers: { obfuscatedExternalAccountId: o.customer } }),
      lineItems: [
        {
          productId: productId!,
          expiryTime: new Date(now.getTime() + 30 * 86_400_000).toISOString(),
          autoRenewingPlan: { autoRenewEnabled: event !== "cancel" },
          ...(basePlanId && { offerDetails: { basePlanId } }),
        },
      ],
    };
    google.setPurchase(o.subscription, purchase);
    const push = await google.push(
      {
        version: "1.0",
        packageName: String(config.package_name),
        eventTimeMillis: String(now.getTime()),
        subscriptionNotification: { version: "1.0", notificationType, purchaseToken: o.subscription },
      },
      { audience },
    );
    const { received } = await services.channels.receiveFor("play_store", storefront.id, push, undefined);
    // The local Google answers only while this command runs: the apply must finish before it ends.
    await settle(
      services,
      scope,
      received.notifications.map((n) => n.id),
    );
    return {
      channel: "play_store",
      vendor_event_id: push.messageId,
      delivered: "in-process",
      subscription: await subscriptionOf(services, scope, "play_store", o.subscription),
    };
  } finally {
    await google.close();
  }
}
