import {
  type JWSRenewalInfoDecodedPayload,
  type JWSTransactionDecodedPayload,
  OfferDiscountType,
  type ResponseBodyV2DecodedPayload,
  SignedDataVerifier,
  VerificationException,
  VerificationStatus,
} from "@apple/app-store-server-library";
import type { ChannelNotification, Verification } from "../port.js";
import type { AppStoreSettings } from "./settings.js";

/** Apple's verification statuses as our refusal codes (CHANNEL_NOTIFICATION_REFUSED's detail). */
const REFUSALS: Partial<Record<VerificationStatus, [code: string, reason: string]>> = {
  [VerificationStatus.VERIFICATION_FAILURE]: [
    "BAD_SIGNATURE",
    "the signature or the certificate chain to the trusted roots does not verify",
  ],
  [VerificationStatus.INVALID_CHAIN_LENGTH]: ["BAD_CHAIN", "x5c must hold leaf, intermediate and root"],
  [VerificationStatus.INVALID_CERTIFICATE]: ["BAD_CHAIN", "a certificate is malformed or out of its validity"],
  [VerificationStatus.INVALID_APP_IDENTIFIER]: ["WRONG_APP", "the bundle id or app Apple id is not this storefront's"],
  [VerificationStatus.INVALID_ENVIRONMENT]: ["WRONG_ENVIRONMENT", "the App Store environment is not this storefront's"],
  [VerificationStatus.RETRYABLE_VERIFICATION_FAILURE]: ["CHAIN_CHECK_UNAVAILABLE", "the OCSP check could not be made"],
};

export function verifierFor(s: AppStoreSettings): SignedDataVerifier {
  return new SignedDataVerifier(s.roots, s.onlineChecks, s.environment, s.bundleId, s.appAppleId);
}

function refusal(error: unknown): Verification {
  if (error instanceof VerificationException) {
    const [code, reason] = REFUSALS[error.status] ?? ["BAD_SIGNATURE", "the signed data does not verify"];
    return { verified: false, code, reason };
  }
  return { verified: false, code: "MALFORMED", reason: "the signed payload cannot be decoded" };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export interface DecodedNotification {
  payload: ResponseBodyV2DecodedPayload;
  transaction?: JWSTransactionDecodedPayload;
  renewal?: JWSRenewalInfoDecodedPayload;
}

/**
 * A notification V2 push (`{ "signedPayload": "<JWS>" }`): the payload and the transaction and
 * renewal info nested in it are each verified through their x5c chain to the trusted roots, and
 * checked for the storefront's bundle id, app Apple id and environment (Apple's library does both).
 */
export async function verifyNotification(body: string, settings: AppStoreSettings): Promise<Verification> {
  let signedPayload: unknown;
  try {
    signedPayload = (JSON.parse(body) as { signedPayload?: unknown }).signedPayload;
  } catch {
    return { verified: false, code: "MALFORMED", reason: "the body is not JSON" };
  }
  if (typeof signedPayload !== "string") {
    return { verified: false, code: "MALFORMED", reason: "no signedPayload in the body" };
  }
  const verifier = verifierFor(settings);
  const decoded: DecodedNotification = { payload: {} };
  try {
    decoded.payload = await verifier.verifyAndDecodeNotification(signedPayload);
    const data = decoded.payload.data;
    if (data?.signedTransactionInfo) {
      decoded.transaction = await verifier.verifyAndDecodeTransaction(data.signedTransactionInfo);
    }
    if (data?.signedRenewalInfo) decoded.renewal = await verifier.verifyAndDecodeRenewalInfo(data.signedRenewalInfo);
  } catch (error) {
    return refusal(error);
  }
  const p = decoded.payload;
  if (!p.notificationUUID || !p.notificationType || p.signedDate === undefined) {
    return { verified: false, code: "MALFORMED", reason: "notificationUUID, notificationType or signedDate missing" };
  }
  return { verified: true, notifications: [toNotification(decoded)] };
}

/**
 * Whether the transaction's period is a free trial (Apple's JWSTransactionDecodedPayload):
 * `offerDiscountType` FREE_TRIAL; transactions signed before Apple added that field tell it by an
 * offer (`offerType`) with a `price` of 0. Introductory prices paid as you go or up front are paid.
 */
export function isFreeTrial(tx: JWSTransactionDecodedPayload | undefined): boolean {
  if (!tx || tx.offerType === undefined) return false;
  if (tx.offerDiscountType !== undefined) return tx.offerDiscountType === OfferDiscountType.FREE_TRIAL;
  return tx.price === 0;
}

/** Types whose subtype says a subscription starts: their rows differ for a free trial (mapping.ts). */
const STARTS = new Set(["SUBSCRIBED", "OFFER_REDEEMED"]);

/** Apple's subtype, qualified `/FREE_TRIAL` when a subscription starts in a free trial. */
function subtypeOf(payload: ResponseBodyV2DecodedPayload, tx: JWSTransactionDecodedPayload | undefined) {
  if (!payload.subtype) return null;
  const subtype = String(payload.subtype);
  return STARTS.has(String(payload.notificationType)) && isFreeTrial(tx) ? `${subtype}/FREE_TRIAL` : subtype;
}

function toNotification({ payload, transaction: tx, renewal }: DecodedNotification): ChannelNotification {
  const start = iso(tx?.purchaseDate);
  const end = iso(tx?.expiresDate);
  return {
    vendorEventId: payload.notificationUUID!,
    vendorSubscriptionId: tx?.originalTransactionId ?? renewal?.originalTransactionId ?? null,
    occurredAt: iso(payload.signedDate)!,
    sequence: null,
    vendorType: String(payload.notificationType),
    vendorSubtype: subtypeOf(payload, tx),
    productId: tx?.productId ?? renewal?.productId ?? null,
    // The app sets appAccountToken at purchase: our customer id or its external id (a UUID).
    customerHint: tx?.appAccountToken ?? renewal?.appAccountToken ?? null,
    period: start && end ? { start, end } : undefined,
    raw: { ...payload, transaction: tx ?? null, renewal: renewal ?? null },
  };
}
