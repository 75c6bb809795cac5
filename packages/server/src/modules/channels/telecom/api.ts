import { randomBytes } from "node:crypto";
import { ApiError } from "../../../errors.js";
import type { Clock } from "../../../lib/clock.js";
import { DEFAULT_TIMEOUT_MS, exchange, isoExponent, parseJson } from "../../payments/index.js";
import type { ChannelSettings } from "../port.js";
import { signRequest } from "./jwt.js";
import { normalizeMsisdn } from "./msisdn.js";

/*
 * The carrier-billing aggregator's API, modelled on Fortumo's (Boku's) Payments API
 * (developer.fortumo.com/integration-and-testing/payments-api/): every call is a JSON request with
 * an RS256 JWT (jwt.ts); results arrive asynchronously as callbacks to our callback URL.
 *
 *   POST /authorisations                         start identifying the consumer: PIN (MSISDN → SMS
 *                                                PIN) or HE (header enrichment on mobile data)
 *   PUT  /authorisations/{charging_token}        the PIN the consumer typed (3 attempts)
 *   POST /authorisations/{charging_token}/invalidate   stop all charges on that token
 *   POST /payments                               charge a verified charging token (recurring charges)
 *   POST /subscriptions/cancel                   end a recurring subscription (subscriptions API)
 *   GET  /subscriptions/info                     the subscription's current state (refetch)
 *
 * Our `operation_reference` names the subscription in every callback (the aggregator echoes it),
 * so it is the vendor subscription id; it also carries our product and customer (see reference()).
 *
 * Settings: config.api_base_url, config.subscriptions_api_base_url (defaults to the first),
 * config.merchant_id; credentials.private_key (ours, PKCS#8 PEM), aggregator_public_key (SPKI PEM,
 * checks callbacks), msisdn_hash_key.
 */

export const AGGREGATOR_AUDIENCE = "Fortumo";

export interface TelecomApiOptions {
  fetch: typeof fetch;
  clock: Clock;
  timeoutMs?: number;
}

export interface AuthorisationStart {
  flow: "pin" | "he";
  /** Required for the PIN flow; sent to the aggregator and never kept (msisdn.ts). */
  msisdn?: string | undefined;
  country: string;
  channelCode: string;
  operationReference: string;
  callbackUrl: string;
}

/** The aggregator's answer to a new authorisation: for HE, the URL the consumer's browser opens. */
export interface AuthorisationStarted {
  charging_token?: string;
  authorisation_state?: string;
  flow?: { he?: { url: string; request_type?: string } };
}

/** What the subscriptions info API answers, the fields we read. */
export interface SubscriptionInfo {
  uuid?: string;
  charging_token?: string;
  operation_reference?: string;
  subscription_status?: string;
  billing_status?: string;
  service_starts_at?: string;
  service_ends_at?: string;
  timestamp?: string;
}

function setting(settings: ChannelSettings, key: string): string {
  const value = settings.config[key];
  if (typeof value !== "string" || value.length === 0) {
    throw new ApiError("UNPROCESSABLE", `The telecom channel settings lack config.${key}`);
  }
  return value;
}

export function merchantOf(settings: ChannelSettings): string {
  return setting(settings, "merchant_id");
}

/**
 * Our operation reference: `t1.<product>.<customer>.<nonce>` (base64url parts), so a callback names
 * the product to map and the customer to link without a lookup.
 */
export function reference(productId: string, customerId: string): string {
  const b = (s: string) => Buffer.from(s, "utf8").toString("base64url");
  return `t1.${b(productId)}.${b(customerId)}.${randomBytes(6).toString("hex")}`;
}

export function parseReference(ref: string): { productId: string; customerId: string } | null {
  const parts = ref.split(".");
  if (parts.length !== 4 || parts[0] !== "t1") return null;
  const d = (s: string) => Buffer.from(s, "base64url").toString("utf8");
  return { productId: d(parts[1]!), customerId: d(parts[2]!) };
}

/** Minor units → the aggregator's decimal amount (4.99), exact for the currency's exponent. */
export function decimalAmount(amount: number, currency: string): number {
  return Number((amount / 10 ** isoExponent(currency)).toFixed(isoExponent(currency)));
}

export function telecomApi(options: TelecomApiOptions) {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function call(
    settings: ChannelSettings,
    base: "api" | "subscriptions",
    method: "GET" | "POST" | "PUT",
    path: string,
    body: Record<string, unknown> | null,
    what: string,
  ): Promise<unknown> {
    const privateKey = settings.credentials.private_key;
    if (!privateKey) throw new ApiError("UNPROCESSABLE", "The telecom channel settings lack credentials.private_key");
    const apiBase = setting(settings, "api_base_url");
    const root =
      base === "subscriptions" && typeof settings.config.subscriptions_api_base_url === "string"
        ? settings.config.subscriptions_api_base_url
        : apiBase;
    const text = body === null ? null : JSON.stringify(body);
    const token = await signRequest({
      privateKeyPem: privateKey,
      issuer: merchantOf(settings),
      audience: AGGREGATOR_AUDIENCE,
      body: text,
      clock: options.clock,
    });
    const answer = await exchange(
      options.fetch,
      `${root.replace(/\/+$/, "")}${path}`,
      {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(text !== null && { "content-type": "application/json" }),
        },
        ...(text !== null && { body: text }),
      },
      timeout,
    );
    if (answer.kind !== "answer") {
      throw new ApiError(
        "CHANNEL_VENDOR_UNAVAILABLE",
        `The aggregator could not be reached to ${what}: ${answer.message}`,
      );
    }
    const parsed = parseJson<Record<string, unknown>>(answer.body);
    if (answer.status >= 200 && answer.status < 300) return parsed ?? {};
    const message =
      (parsed?.error as { message?: string } | undefined)?.message ?? (parsed?.message as string | undefined) ?? "";
    const extensions = { vendor: { status: answer.status } };
    // 500: "service unavailable, retry required"; 4xx: the request was refused and will not succeed as is.
    if (answer.status >= 500) {
      throw new ApiError("CHANNEL_VENDOR_UNAVAILABLE", `The aggregator could not ${what} (HTTP ${answer.status})`, {
        extensions,
      });
    }
    throw new ApiError(
      "CHANNEL_VENDOR_REFUSED",
      `The aggregator refused to ${what} (HTTP ${answer.status}${message ? `: ${message}` : ""})`,
      { extensions },
    );
  }

  return {
    async startAuthorisation(settings: ChannelSettings, input: AuthorisationStart): Promise<AuthorisationStarted> {
      let flow: Record<string, unknown>;
      if (input.flow === "pin") {
        const msisdn = input.msisdn ? normalizeMsisdn(input.msisdn) : null;
        if (!msisdn) {
          throw new ApiError("VALIDATION_FAILED", "The PIN flow needs the consumer's phone number", {
            errors: [{ path: "msisdn", message: "an international phone number (E.164)" }],
          });
        }
        flow = { pin: { msisdn } };
      } else {
        flow = { he: {} };
      }
      return (await call(
        settings,
        "api",
        "POST",
        "/authorisations",
        {
          country: input.country,
          flow,
          merchant: merchantOf(settings),
          operation_reference: input.operationReference,
          channel_code: input.channelCode,
          callback: input.callbackUrl,
        },
        "start the authorisation",
      )) as AuthorisationStarted;
    },

    /** Sends the PIN; the final state comes by callback (some aggregators also answer it at once). */
    async confirmPin(
      settings: ChannelSettings,
      chargingToken: string,
      pin: string,
    ): Promise<{ authorisation_state?: string }> {
      return (await call(
        settings,
        "api",
        "PUT",
        `/authorisations/${encodeURIComponent(chargingToken)}`,
        { merchant: merchantOf(settings), flow: { pin: { pin } } },
        "check the PIN",
      )) as { authorisation_state?: string };
    },

    async charge(
      settings: ChannelSettings,
      input: {
        chargingToken: string;
        amount: number;
        currency: string;
        itemDescription: string;
        operationReference: string;
        callbackUrl: string;
      },
    ): Promise<void> {
      await call(
        settings,
        "api",
        "POST",
        "/payments",
        {
          item_description: input.itemDescription.slice(0, 32),
          amount: { value: decimalAmount(input.amount, input.currency), currency: input.currency },
          charging_token: input.chargingToken,
          merchant: merchantOf(settings),
          operation_reference: input.operationReference,
          callback: input.callbackUrl,
        },
        "charge",
      );
    },

    async cancelSubscription(settings: ChannelSettings, subscriptionUuid: string): Promise<void> {
      await call(
        settings,
        "subscriptions",
        "POST",
        "/subscriptions/cancel",
        { subscription_uuid: subscriptionUuid, merchant: merchantOf(settings) },
        "cancel the subscription",
      );
    },

    async subscriptionInfo(settings: ChannelSettings, operationReference: string): Promise<SubscriptionInfo> {
      const query = new URLSearchParams({ merchant: merchantOf(settings), operation_reference: operationReference });
      return (await call(
        settings,
        "subscriptions",
        "GET",
        `/subscriptions/info?${query}`,
        null,
        "show the subscription",
      )) as SubscriptionInfo;
    },
  };
}

export type TelecomApi = ReturnType<typeof telecomApi>;
