import { type ChannelAdapter, mapByTable } from "../port.js";
import { acknowledge, getSubscription, needsAcknowledgement, toVendorStatus } from "./api.js";
import { PLAY_MAPPING } from "./mapping.js";
import { checkPlaySettings, type PlaySettings, readPlaySettings } from "./settings.js";
import { verifyPush } from "./verify.js";

/**
 * The Google Play channel: Real-Time Developer Notifications pushed by Pub/Sub (OIDC-verified
 * when an audience is set), each completed by reading the purchase with subscriptionsv2.get, and
 * new purchases acknowledged by a retried follow-up job.
 */
export function playStoreChannel(deps: { fetch?: typeof fetch } = {}): ChannelAdapter {
  const fetchImpl = deps.fetch ?? fetch;
  const settingsOf = (settings: Parameters<ChannelAdapter["verify"]>[1]): PlaySettings => {
    const read = readPlaySettings(settings);
    if ("errors" in read)
      throw new Error(`Play settings: ${read.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
    return read.ok;
  };
  return {
    name: "play_store",
    capabilities: { notifications: true, refetch: true, managedBy: "vendor" },
    mapping: PLAY_MAPPING,
    async verify(request, settings) {
      const read = readPlaySettings(settings);
      if ("errors" in read) {
        return { verified: false, code: "NOT_CONFIGURED", reason: read.errors.map((e) => e.message).join("; ") };
      }
      return verifyPush(request, read.ok);
    },
    map: (n) => mapByTable(PLAY_MAPPING, n),
    async refetch(link, settings) {
      return toVendorStatus(await getSubscription(settingsOf(settings), link.vendorSubscriptionId, fetchImpl));
    },
    followUps: {
      // Read again first: acknowledging is once per purchase, and the job may run after someone else did it.
      async acknowledge(link, settings) {
        const s = settingsOf(settings);
        const purchase = await getSubscription(s, link.vendorSubscriptionId, fetchImpl);
        const productId = purchase.lineItems?.[0]?.productId;
        if (!needsAcknowledgement(purchase) || !productId) return;
        await acknowledge(s, productId, link.vendorSubscriptionId, fetchImpl);
      },
    },
    checkSettings: checkPlaySettings,
  };
}
