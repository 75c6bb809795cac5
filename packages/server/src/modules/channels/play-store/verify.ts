import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { ChannelNotification, InboundRequest, Verification } from "../port.js";
import { PLAY_NOTIFICATION_TYPES } from "./mapping.js";
import type { PlaySettings } from "./settings.js";

/*
 * A Pub/Sub push of a Real-Time Developer Notification: `{ message: { data, messageId,
 * publishTime, attributes }, subscription }`, data being base64 JSON of a DeveloperNotification.
 * When the storefront sets an audience, the push's `Authorization: Bearer` OIDC token must be
 * signed by Google (its JWKS), issued by accounts.google.com, for that audience (and, when set,
 * for the push service account's verified email): cloud.google.com/pubsub/docs/authenticate-push-subscriptions.
 */

const jwksByUrl = new Map<string, JWTVerifyGetKey>();
const jwks = (url: string) => {
  let set = jwksByUrl.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url));
    jwksByUrl.set(url, set);
  }
  return set;
};

interface PushBody {
  message?: { data?: string; messageId?: string; message_id?: string; publishTime?: string };
  subscription?: string;
}

export interface DeveloperNotification {
  version?: string;
  packageName?: string;
  eventTimeMillis?: string | number;
  subscriptionNotification?: { version?: string; notificationType?: number; purchaseToken?: string };
  voidedPurchaseNotification?: { purchaseToken?: string; orderId?: string; productType?: number; refundType?: number };
  oneTimeProductNotification?: { notificationType?: number; purchaseToken?: string; sku?: string };
  testNotification?: { version?: string };
}

async function checkBearer(request: InboundRequest, s: PlaySettings): Promise<Verification | undefined> {
  if (!s.audience) return undefined;
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
  if (!bearer) return { verified: false, code: "UNSIGNED", reason: "no OIDC bearer token on the push" };
  try {
    const { payload } = await jwtVerify(bearer, jwks(s.jwksUrl), {
      issuer: ["https://accounts.google.com", "accounts.google.com"],
      audience: s.audience,
    });
    if (s.pushServiceAccount && (payload.email !== s.pushServiceAccount || payload.email_verified !== true)) {
      return { verified: false, code: "WRONG_SENDER", reason: "the token is not the push service account's" };
    }
    return undefined;
  } catch (error) {
    if (error instanceof errors.JWTClaimValidationFailed) {
      return { verified: false, code: "WRONG_AUDIENCE", reason: `the token's ${error.claim} is not this storefront's` };
    }
    if (error instanceof errors.JWTExpired) return { verified: false, code: "EXPIRED", reason: "the token expired" };
    return { verified: false, code: "BAD_SIGNATURE", reason: "the OIDC token does not verify against Google's keys" };
  }
}

export async function verifyPush(request: InboundRequest, s: PlaySettings): Promise<Verification> {
  const refused = await checkBearer(request, s);
  if (refused) return refused;
  let push: PushBody;
  let n: DeveloperNotification;
  try {
    push = JSON.parse(request.body) as PushBody;
    n = JSON.parse(Buffer.from(push.message?.data ?? "", "base64").toString("utf8")) as DeveloperNotification;
  } catch {
    return { verified: false, code: "MALFORMED", reason: "not a Pub/Sub push of a developer notification" };
  }
  const messageId = push.message?.messageId ?? push.message?.message_id;
  const eventMillis = Number(n.eventTimeMillis);
  if (!messageId || !Number.isFinite(eventMillis)) {
    return { verified: false, code: "MALFORMED", reason: "messageId or eventTimeMillis missing" };
  }
  if (n.packageName !== s.packageName) {
    return {
      verified: false,
      code: "WRONG_PACKAGE",
      reason: `the notification is for ${JSON.stringify(n.packageName)}`,
    };
  }
  return { verified: true, notifications: [toNotification(messageId, new Date(eventMillis).toISOString(), n)] };
}

function toNotification(messageId: string, occurredAt: string, n: DeveloperNotification): ChannelNotification {
  const common = {
    vendorEventId: messageId,
    occurredAt,
    sequence: null,
    vendorSubtype: null,
    customerHint: null,
    raw: n,
  };
  const sub = n.subscriptionNotification;
  if (sub) {
    const type = PLAY_NOTIFICATION_TYPES[Number(sub.notificationType)] ?? `SUBSCRIPTION_${sub.notificationType}`;
    // The product is read from the API with the state (subscriptionsv2 carries it).
    return { ...common, vendorSubscriptionId: sub.purchaseToken ?? null, vendorType: type, productId: null };
  }
  const voided = n.voidedPurchaseNotification;
  if (voided) {
    // productType 1 is a subscription; a voided one-time product is not ours to apply.
    const type = voided.productType === 1 ? "VOIDED_PURCHASE" : "VOIDED_ONE_TIME_PRODUCT";
    return { ...common, vendorSubscriptionId: voided.purchaseToken ?? null, vendorType: type, productId: null };
  }
  const type = n.testNotification ? "TEST" : "ONE_TIME_PRODUCT";
  return { ...common, vendorSubscriptionId: null, vendorType: type, productId: null };
}
