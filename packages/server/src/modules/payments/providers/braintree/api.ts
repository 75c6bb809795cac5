import type { ProviderContext } from "../../provider.js";
import { type Exchange, missingCredential, sendToVendor } from "../http.js";

/*
 * Braintree's GraphQL API (graphql.braintreepayments.com; braintree/graphql-api schema.graphql):
 * one POST per operation with Basic public_key:private_key and a pinned Braintree-Version.
 * Amounts are decimal strings in the merchant account's currency.
 */

export const BRAINTREE_API_BASE = "https://payments.sandbox.braintree-api.com";
/** Pinned so answers keep the shapes this adapter reads. */
export const BRAINTREE_VERSION = "2019-01-01";

export interface BraintreeMoney {
  value: string;
  currencyCode: string;
}

export interface BraintreeProcessorResponse {
  legacyCode?: string | null;
  message?: string | null;
}

export interface BraintreeStatusEvent {
  __typename?: string;
  status?: string;
  declineType?: "HARD" | "SOFT" | null;
  processorResponse?: BraintreeProcessorResponse | null;
  merchantAdviceCodeResponse?: { code?: string | null } | null;
  gatewayRejectionReason?: string | null;
}

export interface BraintreeTransaction {
  id: string;
  legacyId?: string;
  status: string;
  orderId?: string | null;
  amount?: BraintreeMoney | null;
  statusHistory?: BraintreeStatusEvent[] | null;
}

export interface BraintreeRefund {
  id: string;
  status: string;
  orderId?: string | null;
  amount?: BraintreeMoney | null;
}

export interface BraintreeError {
  message?: string;
  extensions?: { errorClass?: string; legacyCode?: string | null };
}

export interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: BraintreeError[];
}

export const TRANSACTION_FIELDS = `id legacyId status orderId amount { value currencyCode }
  statusHistory { __typename status
    ... on ProcessorDeclinedEvent { declineType processorResponse { legacyCode message } merchantAdviceCodeResponse { code } }
    ... on GatewayRejectedEvent { gatewayRejectionReason }
    ... on FailedEvent { processorResponse { legacyCode message } } }`;

export const REFUND_FIELDS = "id status orderId amount { value currencyCode }";

/**
 * Tessera's tokens are `pm_[A-Za-z0-9_]+`; Braintree's GraphQL ids are base64 (`+`, `/`, `=`), so
 * the token is `pm_bt_` + the id with those three escaped as `_P`, `_S`, `_E` (base64 has no `_`).
 */
export function tokenOf(paymentMethodId: string): string {
  return `pm_bt_${paymentMethodId.replace(/\+/g, "_P").replace(/\//g, "_S").replace(/=/g, "_E")}`;
}

export function paymentMethodIdOf(token: string): string | undefined {
  if (!token.startsWith("pm_bt_")) return undefined;
  const escaped = token.slice("pm_bt_".length);
  if (!/^(?:[A-Za-z0-9]|_[PSE])+$/.test(escaped)) return undefined;
  return escaped.replace(/_P/g, "+").replace(/_S/g, "/").replace(/_E/g, "=");
}

/** One GraphQL operation with the storefront's `api_base`, `timeout_ms`, `public_key` and `private_key`. */
export async function callBraintree(
  fetchImpl: typeof fetch,
  ctx: ProviderContext,
  query: string,
  variables: Record<string, unknown>,
): Promise<Exchange> {
  const { public_key: publicKey, private_key: privateKey } = await ctx.credentials();
  if (!publicKey || !privateKey) return missingCredential("braintree", "public_key/private_key credential");
  return sendToVendor(fetchImpl, ctx, BRAINTREE_API_BASE, {
    method: "POST",
    path: "/graphql",
    headers: {
      authorization: `Basic ${Buffer.from(`${publicKey}:${privateKey}`).toString("base64")}`,
      "braintree-version": BRAINTREE_VERSION,
      "content-type": "application/json",
    },
    body: JSON.stringify({ query, variables }),
  });
}
