// Everything both entry points (Node and web) export alike. Only `createVerifier` and
// `decodeToken` differ between them, by the crypto they are built on.

export type { JwksOptions, SigningKeyRotation } from "./client/access.js";
export { AuditApi } from "./client/audit.js";
export { ChannelsApi } from "./client/channels.js";
export { type FieldError, isTesseraApiError, TesseraApiError } from "./client/errors.js";
export type { Query, RequestOptions, RetryOptions, TesseraOptions } from "./client/http.js";
export { MetricsApi } from "./client/metrics.js";
export { PaymentMethodsApi, PaymentRoutingApi } from "./client/payment-methods.js";
export { type TenantWithKeys, TesseraPlatform, type TesseraPlatformOptions } from "./client/platform.js";
export { PriceChangesApi } from "./client/price-changes.js";
export { ConsentsApi, PrivacyApi, RetentionApi } from "./client/privacy.js";
export type { CatalogListParams, CustomerListParams, ListParams, Page } from "./client/resources.js";
export { Tessera } from "./client/tessera.js";
export { SafeModeApi, TrialsApi } from "./client/trials.js";
export { RolesApi, SessionsApi, TesseraAuth, TesseraSession, TotpApi, UsersApi } from "./client/users.js";
export { CLAIMS_VERSION, TOKEN_ALGORITHMS, TOKEN_MAX_BYTES, TOKEN_TYP } from "./constants.js";
export type { Quota, TokenSubscription } from "./entitlements.js";
export { Entitlements } from "./entitlements.js";
export { isTesseraTokenError, TesseraTokenError, TOKEN_ERROR_CODES, type TokenErrorCode } from "./errors.js";
export type * from "./generated/types.js";
export type { VerifierOptions } from "./options.js";
export type { JsonWebKeySet, PublicJwk, TokenAlgorithm } from "./platform/types.js";
export type { CheckResult, Verifier } from "./verifier.js";
export {
  type EntitlementsUpdatedEvent,
  isEntitlementsUpdatedEvent,
  isTesseraWebhookError,
  signWebhook,
  TesseraWebhookError,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookErrorCode,
  type WebhookEvent,
  type WebhookHeaders,
} from "./webhooks.js";
