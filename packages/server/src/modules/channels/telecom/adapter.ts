import { createHash } from "node:crypto";
import type { Clock } from "../../../lib/clock.js";
import { type ChannelAdapter, type ChannelNotification, mapByTable, type Verification } from "../port.js";
import { AGGREGATOR_AUDIENCE, merchantOf, parseReference, type TelecomApi, telecomApi } from "./api.js";
import { checkClientCertificate, checkClientCertSettings, clientCertSettings } from "./client-cert.js";
import { verifySigned } from "./jwt.js";
import { TELECOM_MAPPING } from "./mapping.js";

/*
 * Telecom carrier billing through an aggregator modelled on Fortumo's (Boku's) Payments and
 * subscriptions APIs. The aggregator posts a JSON callback whenever an authorisation, a payment or
 * a subscription changes state; each carries our operation_reference (the vendor subscription id
 * here) and the aggregator's `timestamp` (its order). Callbacks are authenticated one of two ways
 * (config.callback_auth): Fortumo's documented TLS client certificate, checked by the reverse
 * proxy and pinned here (client-cert.ts); or (the default) a Bearer JWT signed by the aggregator's
 * key (RS256) naming our merchant id as audience, within its short validity, whose body_sha256 is
 * the body's: a replay after the token expired is refused, one inside it is a duplicate the inbox
 * dedupes.
 */

export interface TelecomChannelOptions {
  fetch: typeof fetch;
  clock: Clock;
}

interface Callback {
  operation_reference?: unknown;
  timestamp?: unknown;
  subscription_status?: unknown;
  billing_status?: unknown;
  authorisation_state?: unknown;
  transaction_state?: unknown;
  service_starts_at?: unknown;
  service_ends_at?: unknown;
  consumer_identity?: unknown;
  msisdn?: unknown;
}

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : null);

/** Which callback it is: a subscription's state, an authorisation's, or a payment's. */
function kindOf(c: Callback): { type: string; subtype: string | null } | null {
  const subscription = str(c.subscription_status);
  if (subscription) return { type: subscription, subtype: str(c.billing_status) };
  const authorisation = str(c.authorisation_state);
  if (authorisation) return { type: "authorisation", subtype: authorisation };
  const payment = str(c.transaction_state);
  if (payment) return { type: "payment", subtype: payment };
  return null;
}

function periodOf(c: Callback): { start: string; end: string } | undefined {
  const start = str(c.service_starts_at);
  const end = str(c.service_ends_at);
  if (!start || !end || Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end))) return undefined;
  const s = new Date(start).toISOString();
  const e = new Date(end).toISOString();
  return s <= e ? { start: s, end: e } : undefined;
}

export function telecomChannel(options: TelecomChannelOptions): ChannelAdapter & { api: TelecomApi } {
  const api = telecomApi(options);

  return {
    name: "telecom",
    capabilities: { notifications: true, refetch: true, managedBy: "vendor" },
    mapping: TELECOM_MAPPING,
    map: (n) => mapByTable(TELECOM_MAPPING, n),
    api,

    checkSettings(settings, { production }) {
      const errors: Array<{ path: string; message: string }> = [];
      const base = settings.config.api_base_url;
      if (typeof base !== "string" || !/^https?:\/\//.test(base)) {
        errors.push({
          path: "config.api_base_url",
          message: "the aggregator's API base, e.g. https://api-jwt.fortumo.io",
        });
      } else if (production && !base.startsWith("https://")) {
        errors.push({ path: "config.api_base_url", message: "https in production" });
      }
      if (typeof settings.config.merchant_id !== "string" || !settings.config.merchant_id) {
        errors.push({ path: "config.merchant_id", message: "required" });
      }
      const cert = clientCertSettings(settings);
      if (cert) errors.push(...checkClientCertSettings(cert));
      for (const key of cert ? ["private_key"] : ["private_key", "aggregator_public_key"]) {
        if (!settings.credentials[key]) errors.push({ path: `credentials.${key}`, message: "required (PEM)" });
      }
      return errors;
    },

    async verify(request, settings): Promise<Verification> {
      const cert = clientCertSettings(settings);
      if (cert) {
        const wrong = checkClientCertSettings(cert);
        if (wrong.length > 0) return { verified: false, code: "NOT_CONFIGURED", reason: wrong[0]!.message };
        const check = checkClientCertificate(request.headers, cert);
        if (!check.ok) return { verified: false, code: check.code, reason: check.reason };
      } else {
        const publicKey = settings.credentials.aggregator_public_key;
        const merchant = typeof settings.config.merchant_id === "string" ? settings.config.merchant_id : null;
        if (!publicKey || !merchant) {
          return {
            verified: false,
            code: "NOT_CONFIGURED",
            reason: "the telecom settings need config.merchant_id and credentials.aggregator_public_key",
          };
        }
        const check = await verifySigned({
          authorization: request.headers.authorization,
          body: request.body,
          publicKeyPem: publicKey,
          issuer: AGGREGATOR_AUDIENCE,
          audience: merchantOf(settings),
          clock: options.clock,
        });
        if (!check.ok) return { verified: false, code: check.code, reason: check.reason };
      }
      let c: Callback;
      try {
        c = JSON.parse(request.body) as Callback;
      } catch {
        return { verified: false, code: "MALFORMED", reason: "the body is not JSON" };
      }
      const kind = typeof c === "object" && c !== null ? kindOf(c) : null;
      const ref = str(c?.operation_reference);
      const at = str(c?.timestamp);
      if (!kind || !ref || !at || Number.isNaN(Date.parse(at))) {
        return {
          verified: false,
          code: "MALFORMED",
          reason: "not an aggregator callback (operation_reference, timestamp and a state are required)",
        };
      }
      const occurredAt = new Date(at).toISOString();
      // The aggregator gives a callback no id of its own: the same state of the same operation at
      // the same time is the same callback (a redelivery), whatever else the body repeats.
      const digest = createHash("sha256")
        .update(`${ref}|${kind.type}|${kind.subtype ?? ""}|${occurredAt}`)
        .digest("hex")
        .slice(0, 24);
      const named = parseReference(ref);
      // A phone number never reaches the inbox's decoded copy (and our callbacks do not carry one).
      const { msisdn: _dropped, ...raw } = c;
      const notification: ChannelNotification = {
        vendorEventId: `${kind.type}:${digest}`,
        vendorSubscriptionId: ref,
        occurredAt,
        sequence: null,
        vendorType: kind.type,
        vendorSubtype: kind.subtype,
        productId: named?.productId ?? null,
        customerHint: named?.customerId ?? null,
        period: periodOf(c),
        raw,
      };
      return { verified: true, notifications: [notification] };
    },

    async refetch(link, settings) {
      const info = await api.subscriptionInfo(settings, link.vendorSubscriptionId);
      const status = str(info.subscription_status);
      const effect = status
        ? mapByTable(TELECOM_MAPPING, { vendorType: status, vendorSubtype: str(info.billing_status) })
        : { event: null };
      const at = str(info.timestamp);
      return {
        ...effect,
        observedAt: at ? new Date(at).toISOString() : options.clock.now().toISOString(),
        period: periodOf(info),
      };
    },
  };
}
