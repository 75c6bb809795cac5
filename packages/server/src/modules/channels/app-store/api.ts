import { AutoRenewStatus, Status, type StatusResponse } from "@apple/app-store-server-library";
import { importPKCS8, SignJWT } from "jose";
import type { ChannelEffect, VendorStatus } from "../port.js";
import type { AppStoreSettings } from "./settings.js";
import { isFreeTrial, verifierFor } from "./verify.js";

/*
 * The App Store Server API's "Get All Subscription Statuses"
 * (GET /inApps/v1/subscriptions/{transactionId}), authenticated by an ES256 JWT signed with the
 * merchant's in-app purchase key (header kid; claims iss, iat, exp, aud "appstoreconnect-v1",
 * bid). The signed transaction and renewal info in the answer are verified like a notification's.
 */

/** Apple's subscription status → our state-machine event (auto-renew decides cancel-at-period-end). */
export const STATUS_EFFECTS: Readonly<Record<number, ChannelEffect>> = {
  [Status.ACTIVE]: { event: "external_renewed" },
  [Status.EXPIRED]: { event: "external_expired" },
  [Status.BILLING_RETRY]: { event: "external_on_hold" },
  [Status.BILLING_GRACE_PERIOD]: { event: "external_grace" },
  [Status.REVOKED]: { event: "revoked" },
};

export class AppStoreApiError extends Error {
  override name = "AppStoreApiError";
}

async function token(s: AppStoreSettings): Promise<string> {
  const { issuerId, keyId, privateKey } = s.api;
  if (!issuerId || !keyId || !privateKey) {
    throw new AppStoreApiError(
      "App Store Server API needs config.issuer_id, config.key_id and credentials.private_key",
    );
  }
  // Wall time on purpose: the token's freshness is judged by Apple's clock, not a test clock.
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ bid: s.bundleId })
    .setProtectedHeader({ alg: "ES256", kid: keyId, typ: "JWT" })
    .setIssuer(issuerId)
    .setIssuedAt(now)
    .setExpirationTime(now + 20 * 60)
    .setAudience("appstoreconnect-v1")
    .sign(await importPKCS8(privateKey, "ES256"));
}

export async function fetchStatus(
  s: AppStoreSettings,
  originalTransactionId: string,
  fetchImpl: typeof fetch,
): Promise<VendorStatus> {
  const url = `${s.api.baseUrl.replace(/\/$/, "")}/inApps/v1/subscriptions/${encodeURIComponent(originalTransactionId)}`;
  const res = await fetchImpl(url, {
    headers: { authorization: `Bearer ${await token(s)}`, accept: "application/json" },
  });
  if (!res.ok) {
    throw new AppStoreApiError(
      `App Store Server API answered ${res.status} for ${originalTransactionId}: ${await res.text()}`,
    );
  }
  const body = (await res.json()) as StatusResponse;
  const item = (body.data ?? [])
    .flatMap((group) => group.lastTransactions ?? [])
    .find((t) => t.originalTransactionId === originalTransactionId);
  if (!item?.signedTransactionInfo || item.status === undefined) {
    throw new AppStoreApiError(`App Store Server API knows no subscription ${originalTransactionId}`);
  }
  const verifier = verifierFor(s);
  const tx = await verifier.verifyAndDecodeTransaction(item.signedTransactionInfo);
  const renewal = item.signedRenewalInfo
    ? await verifier.verifyAndDecodeRenewalInfo(item.signedRenewalInfo)
    : undefined;
  if (tx.originalTransactionId !== originalTransactionId) {
    throw new AppStoreApiError(`the signed transaction is not ${originalTransactionId}'s`);
  }
  const effect = STATUS_EFFECTS[Number(item.status)];
  if (!effect) throw new AppStoreApiError(`unknown App Store subscription status ${item.status}`);
  // Apple signed the answer just now: its newest signedDate is when this state was observed.
  const observed = Math.max(tx.signedDate ?? 0, renewal?.signedDate ?? 0);
  return {
    ...effect,
    // Active in a free-trial period: a subscription this answer creates starts in trial.
    ...(effect.event === "external_renewed" && isFreeTrial(tx) && { trial: true }),
    ...(renewal?.autoRenewStatus !== undefined && {
      cancelAtPeriodEnd: renewal.autoRenewStatus === AutoRenewStatus.OFF,
    }),
    observedAt: new Date(observed).toISOString(),
    period:
      tx.purchaseDate !== undefined && tx.expiresDate !== undefined
        ? { start: new Date(tx.purchaseDate).toISOString(), end: new Date(tx.expiresDate).toISOString() }
        : undefined,
  };
}
