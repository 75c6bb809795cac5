import { type ChannelAdapter, mapByTable } from "../port.js";
import { fetchStatus } from "./api.js";
import { APP_STORE_MAPPING } from "./mapping.js";
import { checkAppStoreSettings, readSettings } from "./settings.js";
import { verifyNotification } from "./verify.js";

/**
 * The App Store channel: Server Notifications V2 verified with Apple's own library through the
 * x5c chain to the storefront's trusted roots (Apple Root CA G3 unless a development storefront
 * trusts a local CA), and status re-fetch from the App Store Server API.
 */
export function appStoreChannel(deps: { fetch?: typeof fetch } = {}): ChannelAdapter {
  const fetchImpl = deps.fetch ?? fetch;
  return {
    name: "app_store",
    capabilities: { notifications: true, refetch: true, managedBy: "vendor" },
    mapping: APP_STORE_MAPPING,
    async verify(request, settings) {
      const read = readSettings(settings);
      if ("errors" in read) {
        return {
          verified: false,
          code: "NOT_CONFIGURED",
          reason: read.errors.map((e) => `${e.path}: ${e.message}`).join("; "),
        };
      }
      return verifyNotification(request.body, read.ok);
    },
    map: (n) => mapByTable(APP_STORE_MAPPING, n),
    async refetch(link, settings) {
      const read = readSettings(settings);
      if ("errors" in read) throw new Error(`App Store settings: ${read.errors.map((e) => e.message).join("; ")}`);
      return fetchStatus(read.ok, link.vendorSubscriptionId, fetchImpl);
    },
    checkSettings: checkAppStoreSettings,
  };
}
