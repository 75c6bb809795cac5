import type { ChannelName } from "@tessera/core";

/**
 * Where each vendor is told to send its notifications, by channel: the public routes that
 * `notificationRoute` (notification-route.ts) mounts. `direct` has none.
 */
export const NOTIFICATION_PATHS: Readonly<Record<ChannelName, string | null>> = {
  direct: null,
  app_store: "/v1/channels/app-store/{storefront_id}/notifications",
  play_store: "/v1/channels/play-store/{storefront_id}/notifications",
  paypal: "/v1/channels/paypal/{storefront_id}/webhooks",
  telecom: "/v1/channels/telecom/{storefront_id}/callbacks",
};

export function notificationPath(channel: ChannelName, storefrontId: string): string | null {
  return NOTIFICATION_PATHS[channel]?.replace("{storefront_id}", storefrontId) ?? null;
}
