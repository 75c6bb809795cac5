import { notificationRoute } from "./notification-route.js";

/** Each channel's public notification route: one line per channel (notification-route.ts does the work). */
export const channelNotificationRoutes = [
  notificationRoute("app_store", {
    summary: "Receive App Store Server Notifications V2 (verified through Apple's certificate chain)",
  }),
  notificationRoute("play_store", {
    summary: "Receive Google Play Real-Time Developer Notifications (a Pub/Sub push, OIDC-verified)",
  }),
  notificationRoute("paypal", {
    summary: "Receive PayPal webhooks (BILLING.SUBSCRIPTION.*, PAYMENT.SALE.*), verified by PayPal's signature",
  }),
  notificationRoute("telecom", {
    summary: "Receive carrier-billing callbacks from the aggregator, verified by its RS256-signed JWT",
  }),
];
