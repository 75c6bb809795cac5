export { type CreatedApp, createApp, newRouter } from "./app.js";
export { type Config, loadConfig } from "./config.js";
export type { Deps, Scope } from "./context.js";
export { type Access, withSystemAccess, withTenantAccess } from "./db/access.js";
export { connectDatabase, type DatabaseHandle } from "./db/connect.js";
export { migrateToLatest } from "./db/migrate.js";
export { ApiError } from "./errors.js";
export { type Clock, ManualClock, systemClock } from "./lib/clock.js";
export { SecretBox } from "./lib/crypto.js";
export type {
  Capabilities,
  PaymentOutcome,
  PaymentProvider,
  ProviderDeps,
  ProviderEvent,
  WebhookRequest,
  WebhookResult,
} from "./modules/payments/provider.js";
export { type RunningServer, startServer } from "./server.js";
