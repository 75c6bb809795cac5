/**
 * Every error the API can answer with, defined once. Server and SDK both read this list, so a
 * `code` means the same thing on both sides of the wire.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, title: "The request is not valid" },
  INVALID_JSON: { status: 400, title: "The request body is not valid JSON" },
  TENANT_HEADER_REQUIRED: { status: 400, title: "The x-tn header is required" },
  PAYMENT_DATA_FORBIDDEN: { status: 400, title: "Raw card data is not accepted" },
  UNAUTHENTICATED: { status: 401, title: "Missing or invalid credentials" },
  TENANT_MISMATCH: { status: 403, title: "The x-tn header does not match the credential" },
  FORBIDDEN: { status: 403, title: "The credential lacks the required permission" },
  NOT_FOUND: { status: 404, title: "Not found" },
  ROUTE_NOT_FOUND: { status: 404, title: "No such route" },
  METHOD_NOT_ALLOWED: { status: 405, title: "Method not allowed" },
  CONFLICT: { status: 409, title: "Conflict" },
  ROLE_IMMUTABLE: { status: 409, title: "Built-in roles cannot be changed or deleted" },
  ALREADY_EXISTS: { status: 409, title: "An object with that key already exists" },
  IN_USE: { status: 409, title: "The object is in use" },
  OBJECT_ARCHIVED: { status: 409, title: "The object is archived and takes no new references" },
  INVALID_STATE_TRANSITION: { status: 409, title: "The transition is not allowed from the current state" },
  IDEMPOTENCY_KEY_REUSED: { status: 409, title: "The Idempotency-Key was used with a different request" },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, title: "A request with this Idempotency-Key is still in progress" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "The request body is too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "The request body must be application/json" },
  UNPROCESSABLE: { status: 422, title: "The request cannot be processed" },
  CHANNEL_NOT_ENABLED: { status: 422, title: "The storefront does not enable this subscription channel" },
  CHANNEL_MANAGED_EXTERNALLY: {
    status: 422,
    title: "Subscriptions of this channel are created and changed by the vendor, not through this API",
  },
  CHANNEL_NOTIFICATION_REFUSED: {
    status: 401,
    title: "The channel notification failed verification (signature, certificate chain, app or environment)",
  },
  CHANNEL_NOT_CONFIGURED: { status: 422, title: "The storefront has no settings for this subscription channel" },
  PAYMENT_FAILED: { status: 402, title: "The payment failed" },
  PAYMENT_NOT_CAPTURABLE: { status: 409, title: "Only an authorized payment can be captured" },
  PAYMENT_NOT_VOIDABLE: { status: 409, title: "Only an uncaptured authorization can be voided" },
  CAPTURE_AMOUNT_INVALID: {
    status: 422,
    title: "The capture amount is more than is capturable, or a partial capture the provider cannot do",
  },
  PAYMENT_ACTION_REQUIRED: { status: 402, title: "The payment needs the customer's action (3-D Secure)" },
  PAYMENT_METHOD_REFUSED: { status: 422, title: "The payment provider refused to store the payment method" },
  QUOTA_EXCEEDED: { status: 409, title: "The quota is exhausted" },
  CHANNEL_VENDOR_REFUSED: { status: 422, title: "The channel's vendor refused the request" },
  CHANNEL_VENDOR_UNAVAILABLE: { status: 502, title: "The channel's vendor could not be reached or failed" },
  RATE_LIMITED: { status: 429, title: "Too many requests" },
  ACCOUNT_LOCKED: { status: 429, title: "Too many failed sign-ins: try again later" },
  TEST_CLOCK_FORBIDDEN: { status: 409, title: "Test clocks are not available in production environments" },
  CUSTOMER_HAS_ACTIVE_SUBSCRIPTIONS: {
    status: 409,
    title: "The customer has active subscriptions: cancel them first, or ask for them to be cancelled",
  },
  SAFE_MODE_ACTIVE: { status: 409, title: "Safe mode holds new charges: retry once it is lifted" },
  TRIAL_NOT_ELIGIBLE: { status: 409, title: "The customer is not eligible for this trial" },
  COUPON_NOT_REDEEMABLE: {
    status: 409,
    title: "The coupon or promotion code cannot be redeemed here (see the failed check in errors)",
  },
  COUPON_LIMIT_REACHED: { status: 409, title: "The coupon or promotion code has reached a redemption limit" },
  COUPON_VELOCITY_EXCEEDED: { status: 429, title: "Too many redemptions in a short time: try again later" },
  CAMPAIGN_OFFER_REQUIRED: { status: 409, title: "This campaign needs an open offer for the customer" },
  EXPORT_NOT_AVAILABLE: {
    status: 410,
    title: "The export archive is not available (not ready, downloaded or expired)",
  },
  INVOICE_NOT_CANCELLABLE: {
    status: 409,
    title:
      "The invoice cannot be cancelled under its fiscal regime or in its state (refund it instead: a credit note follows)",
  },
  INVOICE_CANCELLATION_PERIOD_ENDED: {
    status: 409,
    title: "The period in which the fiscal regime allows cancelling this invoice has ended (refund it instead)",
  },
  LEGAL_ENTITY_REQUIRED: {
    status: 409,
    title: "The storefront has no legal entity: set it first (PUT /v1/storefronts/{id}/legal-entity)",
  },
  FISCAL_PROVIDER_REFUSED: { status: 422, title: "The fiscal provider refused the request" },
  FISCAL_PROVIDER_UNAVAILABLE: { status: 502, title: "The fiscal provider could not be reached or failed" },
  INTERNAL: { status: 500, title: "Internal server error" },
  UNAVAILABLE: { status: 503, title: "Service unavailable" },
  PRICE_CHANGE_NOT_AWAITING_CONSENT: {
    status: 409,
    title: "The subscription has no price change waiting for the customer's answer",
  },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const PROBLEM_TYPE_BASE = "https://tessera.dev/problems/";

/** RFC 9457 problem document, as every error response carries it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ErrorCode | (string & {});
  request_id?: string;
  errors?: Array<{ path: string; message: string; code?: string }>;
  [extension: string]: unknown;
}

export function problemType(code: string): string {
  return PROBLEM_TYPE_BASE + code.toLowerCase().replaceAll("_", "-");
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
