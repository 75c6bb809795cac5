import type { VendorStatus } from "../port.js";
import { PLAY_STATE_EFFECTS } from "./mapping.js";
import { accessToken } from "./oauth.js";
import type { PlaySettings } from "./settings.js";

/*
 * The Google Play Developer API: purchases.subscriptionsv2.get (the state of a purchase token)
 * and purchases.subscriptions.acknowledge (a new purchase not acknowledged within three days is
 * refunded by Google). Shapes: developers.google.com/android-publisher/api-ref/rest/v3/purchases.subscriptionsv2.
 */

export interface SubscriptionPurchaseV2 {
  kind?: string;
  startTime?: string;
  subscriptionState?: string;
  linkedPurchaseToken?: string;
  acknowledgementState?: string;
  testPurchase?: object;
  externalAccountIdentifiers?: { obfuscatedExternalAccountId?: string; obfuscatedExternalProfileId?: string };
  lineItems?: Array<{
    productId?: string;
    expiryTime?: string;
    autoRenewingPlan?: { autoRenewEnabled?: boolean };
    offerDetails?: { basePlanId?: string; offerId?: string; offerTags?: string[] };
    offerPhase?: { freeTrial?: object; introductoryPrice?: object; basePrice?: object; prorationPeriod?: object };
  }>;
}

const purchasesUrl = (s: PlaySettings) =>
  `${s.apiBaseUrl.replace(/\/$/, "")}/androidpublisher/v3/applications/${encodeURIComponent(s.packageName)}/purchases`;

async function authorized(s: PlaySettings, fetchImpl: typeof fetch): Promise<Record<string, string>> {
  if (!s.serviceAccount) throw new Error("Play Developer API needs credentials.service_account_json");
  return { authorization: `Bearer ${await accessToken(s.serviceAccount, fetchImpl)}` };
}

export async function getSubscription(
  s: PlaySettings,
  purchaseToken: string,
  fetchImpl: typeof fetch,
): Promise<SubscriptionPurchaseV2> {
  const url = `${purchasesUrl(s)}/subscriptionsv2/tokens/${encodeURIComponent(purchaseToken)}`;
  const res = await fetchImpl(url, { headers: await authorized(s, fetchImpl) });
  if (!res.ok) throw new Error(`subscriptionsv2.get answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as SubscriptionPurchaseV2;
}

export async function acknowledge(
  s: PlaySettings,
  productId: string,
  purchaseToken: string,
  fetchImpl: typeof fetch,
): Promise<void> {
  const url =
    `${purchasesUrl(s)}/subscriptions/${encodeURIComponent(productId)}` +
    `/tokens/${encodeURIComponent(purchaseToken)}:acknowledge`;
  const res = await fetchImpl(url, {
    method: "POST",
    headers: { ...(await authorized(s, fetchImpl)), "content-type": "application/json" },
    body: "{}",
  });
  if (!res.ok) throw new Error(`subscriptions.acknowledge answered ${res.status}: ${await res.text()}`);
}

/** The product map's key: product id and base plan (`gold:monthly`), since each base plan has its own price. */
export function productKey(p: SubscriptionPurchaseV2): string | undefined {
  const item = p.lineItems?.[0];
  if (!item?.productId) return undefined;
  return item.offerDetails?.basePlanId ? `${item.productId}:${item.offerDetails.basePlanId}` : item.productId;
}

const ACKNOWLEDGEABLE = new Set(["SUBSCRIPTION_STATE_ACTIVE", "SUBSCRIPTION_STATE_IN_GRACE_PERIOD"]);

export function needsAcknowledgement(p: SubscriptionPurchaseV2): boolean {
  return p.acknowledgementState === "ACKNOWLEDGEMENT_STATE_PENDING" && ACKNOWLEDGEABLE.has(p.subscriptionState ?? "");
}

/** The purchase as our state: its subscriptionState, auto-renewal, trial phase, expiry and account id. */
export function toVendorStatus(p: SubscriptionPurchaseV2): VendorStatus {
  const item = p.lineItems?.[0];
  const effect = PLAY_STATE_EFFECTS[p.subscriptionState ?? ""] ?? { event: null };
  const autoRenew = item?.autoRenewingPlan?.autoRenewEnabled;
  return {
    ...effect,
    ...(effect.event === "external_renewed" && item?.offerPhase?.freeTrial && { trial: true }),
    ...(p.subscriptionState === "SUBSCRIPTION_STATE_ACTIVE" &&
      autoRenew !== undefined && { cancelAtPeriodEnd: !autoRenew }),
    // Play states when the purchase started and when the current period expires, not when it began.
    period: p.startTime && item?.expiryTime ? { start: p.startTime, end: item.expiryTime } : undefined,
    productId: productKey(p),
    customerHint: p.externalAccountIdentifiers?.obfuscatedExternalAccountId,
    // An upgrade, downgrade or resubscription: the old purchase token must stop granting.
    ...(p.linkedPurchaseToken && { replaces: p.linkedPurchaseToken }),
    ...(needsAcknowledgement(p) && { followUps: ["acknowledge"] }),
  };
}
