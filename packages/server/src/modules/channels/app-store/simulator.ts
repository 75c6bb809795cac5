import { randomUUID } from "node:crypto";
import { createSigningChain, type SigningChain, signAppStore } from "./test-ca.js";

/*
 * Builds App Store Server Notifications V2 as Apple sends them (responseBodyV2DecodedPayload with
 * signed JWSTransaction and JWSRenewalInfo inside), signed by a local chain: for tests and for
 * `tessera simulate app-store` on development storefronts that trust that chain's root.
 */

export interface SimulatedSubscription {
  originalTransactionId: string;
  productId: string;
  /** Our customer id or external id, as the app set it at purchase. */
  appAccountToken?: string | undefined;
  purchaseDate: number;
  expiresDate: number;
  autoRenew?: boolean;
  /** The period's offer, as Apple signs it: `offerType` 1 introductory, 2 promotional, 3 offer code, 4 win-back. */
  offer?: { type: 1 | 2 | 3 | 4; discount: "FREE_TRIAL" | "PAY_AS_YOU_GO" | "PAY_UP_FRONT" } | undefined;
}

export interface SimulatedNotification {
  notificationType: string;
  subtype?: string | undefined;
  notificationUUID?: string;
  /** Apple's signing time (ms): the order notifications are folded in. */
  signedDate: number;
  subscription?: SimulatedSubscription | undefined;
}

export class AppStoreSimulator {
  readonly chain: SigningChain;

  constructor(
    readonly app: { bundleId: string; environment: string; appAppleId?: number },
    chain?: SigningChain,
  ) {
    this.chain = chain ?? createSigningChain();
  }

  /** The signed transaction and renewal info of a subscription, as the notification and the API carry them. */
  async signedInfo(sub: SimulatedSubscription, signedDate: number) {
    const common = { bundleId: this.app.bundleId, environment: this.app.environment, signedDate };
    const transaction = {
      ...common,
      transactionId: `${sub.originalTransactionId}${Math.floor(sub.purchaseDate / 1000) % 100000}`,
      originalTransactionId: sub.originalTransactionId,
      productId: sub.productId,
      purchaseDate: sub.purchaseDate,
      originalPurchaseDate: sub.purchaseDate,
      expiresDate: sub.expiresDate,
      type: "Auto-Renewable Subscription",
      inAppOwnershipType: "PURCHASED",
      transactionReason: "PURCHASE",
      quantity: 1,
      ...(sub.appAccountToken && { appAccountToken: sub.appAccountToken }),
      ...(sub.offer && { offerType: sub.offer.type, offerDiscountType: sub.offer.discount }),
    };
    const renewal = {
      ...common,
      originalTransactionId: sub.originalTransactionId,
      productId: sub.productId,
      autoRenewProductId: sub.productId,
      autoRenewStatus: sub.autoRenew === false ? 0 : 1,
      renewalDate: sub.expiresDate,
      recentSubscriptionStartDate: sub.purchaseDate,
      ...(sub.appAccountToken && { appAccountToken: sub.appAccountToken }),
    };
    return {
      signedTransactionInfo: await signAppStore(this.chain, transaction),
      signedRenewalInfo: await signAppStore(this.chain, renewal),
    };
  }

  /** The body Apple POSTs: `{ "signedPayload": "<JWS>" }`. */
  async notification(n: SimulatedNotification): Promise<{ body: string; notificationUUID: string }> {
    const notificationUUID = n.notificationUUID ?? randomUUID();
    const data = {
      bundleId: this.app.bundleId,
      environment: this.app.environment,
      ...(this.app.appAppleId !== undefined && { appAppleId: this.app.appAppleId }),
      ...(n.subscription && (await this.signedInfo(n.subscription, n.signedDate))),
    };
    const payload = {
      notificationType: n.notificationType,
      ...(n.subtype && { subtype: n.subtype }),
      notificationUUID,
      data,
      version: "2.0",
      signedDate: n.signedDate,
    };
    return { body: JSON.stringify({ signedPayload: await signAppStore(this.chain, payload) }), notificationUUID };
  }
}
