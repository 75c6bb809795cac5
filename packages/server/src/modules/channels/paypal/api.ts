import { ApiError } from "../../../errors.js";
import type { Clock } from "../../../lib/clock.js";
import { DEFAULT_TIMEOUT_MS, exchange, parseJson } from "../../payments/index.js";
import type { ChannelSettings } from "../port.js";

/*
 * PayPal's REST API as the subscriptions channel uses it (paypal/paypal-rest-api-specifications:
 * billing_subscriptions_v1.json, payments_payment_v1.json): an OAuth2 client-credentials token
 * (POST /v1/oauth2/token), then create / show / cancel a subscription under /v1/billing/subscriptions
 * and show a sale (/v1/payments/sale/{id}) to learn which subscription a refund belongs to.
 * The API base is a setting (https://api-m.sandbox.paypal.com, https://api-m.paypal.com).
 */

export interface PayPalLink {
  href: string;
  rel: string;
  method?: string;
}

export interface PayPalMoney {
  currency_code: string;
  value: string;
}

export interface PayPalCycleExecution {
  tenure_type: "REGULAR" | "TRIAL";
  sequence: number;
  cycles_completed: number;
  cycles_remaining?: number;
  total_cycles?: number;
}

/** The `subscription` schema, the fields we read. */
export interface PayPalSubscription {
  id: string;
  status: "APPROVAL_PENDING" | "APPROVED" | "ACTIVE" | "SUSPENDED" | "CANCELLED" | "EXPIRED";
  status_update_time?: string;
  plan_id?: string;
  start_time?: string;
  custom_id?: string;
  create_time?: string;
  update_time?: string;
  billing_info?: {
    outstanding_balance?: PayPalMoney;
    cycle_executions?: PayPalCycleExecution[];
    last_payment?: { amount?: PayPalMoney; time?: string };
    next_billing_time?: string;
    failed_payments_count?: number;
  };
  links?: PayPalLink[];
}

/** The `sale` schema (payments v1), the fields we read. */
export interface PayPalSale {
  id: string;
  state?: string;
  billing_agreement_id?: string;
  amount?: { total: string; currency: string };
  create_time?: string;
}

export interface CreateSubscriptionInput {
  planId: string;
  /** Our customer id: PayPal echoes it in every subscription event, which links it. */
  customId: string;
  returnUrl: string;
  cancelUrl: string;
  brandName?: string | undefined;
  subscriber?: { email_address?: string; name?: { given_name?: string; surname?: string } } | undefined;
  /** PayPal-Request-Id: PayPal answers a repeat with the first result instead of a second subscription. */
  requestId: string;
}

export interface PayPalApiOptions {
  fetch: typeof fetch;
  clock: Clock;
  timeoutMs?: number;
}

/** Where the settings say the API is, without a trailing slash. */
export function apiBase(settings: ChannelSettings): string {
  const base = settings.config.api_base_url;
  if (typeof base !== "string" || !/^https?:\/\//.test(base)) {
    throw new ApiError("UNPROCESSABLE", "The PayPal channel settings lack config.api_base_url");
  }
  return base.replace(/\/+$/, "");
}

function clientCredentials(settings: ChannelSettings): { id: string; secret: string } {
  const { client_id: id, client_secret: secret } = settings.credentials;
  if (!id || !secret) {
    throw new ApiError("UNPROCESSABLE", "The PayPal channel settings lack credentials.client_id / client_secret");
  }
  return { id, secret };
}

interface PayPalError {
  name?: string;
  message?: string;
  debug_id?: string;
  details?: Array<{ issue?: string; description?: string; field?: string }>;
  error?: string;
  error_description?: string;
}

function vendorError(status: number, body: string, what: string): ApiError {
  const e = parseJson<PayPalError>(body) ?? {};
  const issue = e.details?.[0]?.issue ?? e.name ?? e.error ?? `HTTP ${status}`;
  const text = e.details?.[0]?.description ?? e.message ?? e.error_description ?? "";
  const extensions = { vendor: { status, issue, debug_id: e.debug_id ?? null } };
  if (status >= 500 || status === 429) {
    return new ApiError("CHANNEL_VENDOR_UNAVAILABLE", `PayPal could not ${what} (${issue})`, { extensions });
  }
  return new ApiError("CHANNEL_VENDOR_REFUSED", `PayPal refused to ${what}: ${issue}${text ? ` — ${text}` : ""}`, {
    extensions,
  });
}

/** One client per app: the access token is cached per API base and client id until it expires. */
export function payPalApi(options: PayPalApiOptions) {
  const tokens = new Map<string, { token: string; expiresAt: number }>();
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function call(url: string, init: RequestInit, what: string) {
    const answer = await exchange(options.fetch, url, init, timeout);
    if (answer.kind !== "answer") {
      throw new ApiError("CHANNEL_VENDOR_UNAVAILABLE", `PayPal could not be reached to ${what}: ${answer.message}`);
    }
    return answer;
  }

  async function accessToken(settings: ChannelSettings): Promise<string> {
    const base = apiBase(settings);
    const { id, secret } = clientCredentials(settings);
    const key = `${base} ${id}`;
    const now = options.clock.now().getTime();
    const cached = tokens.get(key);
    if (cached && cached.expiresAt > now) return cached.token;
    const answer = await call(
      `${base}/v1/oauth2/token`,
      {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: "grant_type=client_credentials",
      },
      "issue an access token",
    );
    const body = parseJson<{ access_token?: string; expires_in?: number }>(answer.body);
    if (answer.status !== 200 || !body?.access_token)
      throw vendorError(answer.status, answer.body, "issue an access token");
    // A minute early, so a token never expires between our check and PayPal's.
    const ttl = Math.max(0, (body.expires_in ?? 0) - 60) * 1000;
    tokens.set(key, { token: body.access_token, expiresAt: now + ttl });
    return body.access_token;
  }

  async function authorized(
    settings: ChannelSettings,
    path: string,
    init: { method: string; body?: unknown; headers?: Record<string, string> },
    what: string,
  ) {
    const token = await accessToken(settings);
    const answer = await call(
      `${apiBase(settings)}${path}`,
      {
        method: init.method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(init.body !== undefined && { "content-type": "application/json" }),
          ...init.headers,
        },
        ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
      },
      what,
    );
    if (answer.status === 401) tokens.delete(`${apiBase(settings)} ${settings.credentials.client_id}`);
    return answer;
  }

  return {
    /** Creates a subscription waiting for the buyer's approval; its `approve` link is where to send them. */
    async createSubscription(settings: ChannelSettings, input: CreateSubscriptionInput): Promise<PayPalSubscription> {
      const answer = await authorized(
        settings,
        "/v1/billing/subscriptions",
        {
          method: "POST",
          headers: { "paypal-request-id": input.requestId, prefer: "return=representation" },
          body: {
            plan_id: input.planId,
            custom_id: input.customId,
            ...(input.subscriber && { subscriber: input.subscriber }),
            application_context: {
              ...(input.brandName && { brand_name: input.brandName }),
              shipping_preference: "NO_SHIPPING",
              user_action: "SUBSCRIBE_NOW",
              return_url: input.returnUrl,
              cancel_url: input.cancelUrl,
            },
          },
        },
        "create the subscription",
      );
      const body = parseJson<PayPalSubscription>(answer.body);
      if ((answer.status !== 201 && answer.status !== 200) || !body?.id) {
        throw vendorError(answer.status, answer.body, "create the subscription");
      }
      return body;
    },

    async getSubscription(settings: ChannelSettings, id: string): Promise<PayPalSubscription> {
      const answer = await authorized(
        settings,
        `/v1/billing/subscriptions/${encodeURIComponent(id)}`,
        { method: "GET" },
        "show the subscription",
      );
      const body = parseJson<PayPalSubscription>(answer.body);
      if (answer.status !== 200 || !body?.id) throw vendorError(answer.status, answer.body, "show the subscription");
      return body;
    },

    /** Cancels at PayPal (204); the CANCELLED webhook then moves our subscription. */
    async cancelSubscription(settings: ChannelSettings, id: string, reason: string): Promise<void> {
      const answer = await authorized(
        settings,
        `/v1/billing/subscriptions/${encodeURIComponent(id)}/cancel`,
        { method: "POST", body: { reason } },
        "cancel the subscription",
      );
      if (answer.status !== 204) throw vendorError(answer.status, answer.body, "cancel the subscription");
    },

    async getSale(settings: ChannelSettings, id: string): Promise<PayPalSale> {
      const answer = await authorized(
        settings,
        `/v1/payments/sale/${encodeURIComponent(id)}`,
        { method: "GET" },
        "show the sale",
      );
      const body = parseJson<PayPalSale>(answer.body);
      if (answer.status !== 200 || !body?.id) throw vendorError(answer.status, answer.body, "show the sale");
      return body;
    },
  };
}

export type PayPalApi = ReturnType<typeof payPalApi>;

/** The link PayPal gives for the buyer to approve the subscription. */
export function approvalLink(subscription: PayPalSubscription): string | null {
  return subscription.links?.find((l) => l.rel === "approve")?.href ?? null;
}
