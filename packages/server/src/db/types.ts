import type {
  CatalogStatus,
  ChannelName,
  EntitlementKind,
  EventType,
  Interval,
  PaymentKind,
  PaymentMethodType,
  PaymentStatus,
  StorefrontType,
  SubscriptionStatus,
} from "@tessera/core";
import type { ColumnType, Insertable, Kysely, Selectable, Transaction, Updateable } from "kysely";

/*
 * One interface per table. Timestamps are ISO-8601 UTC strings with milliseconds in both dialects
 * (fixed width, so they sort as text); JSON columns hold text and are parsed in the repos; flags are
 * integers 0/1. That keeps one representation whatever the dialect. A column with a closed set of
 * values is typed as that union (the API's own, from @tessera/core, where it has one), so rows
 * need no casts; environment names are not closed (a tenant may add its own).
 */

export interface TenantsTable {
  id: string;
  slug: string;
  name: string;
  created_at: string;
  /** The rate-limit plan (migration 102); null: the default limits. */
  plan: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface EnvironmentsTable {
  id: string;
  tenant_id: string;
  name: string;
  created_at: string;
  /** Set while a test clock freezes this environment's time; null means wall-clock time. */
  test_clock_at: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PlatformKeysTable {
  id: string;
  name: string | null;
  prefix: string;
  secret_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  password_hash: string;
  platform_role: "platform_admin" | "platform_support" | null;
  /** Sealed with the master key. */
  totp_secret: string | null;
  totp_enabled: number;
  created_at: string;
  updated_at: string;
}
export type UserRow = Selectable<UsersTable>;

export interface MembershipsTable {
  user_id: string;
  tenant_id: string;
  /** A built-in role's name or a custom role's id (tenant_roles). */
  role: "owner" | "admin" | "developer" | "finance" | "support" | "viewer" | `role_${string}`;
  /** JSON: "all" or a list of environment names. */
  environments: string;
  created_at: string;
}
export type MembershipRow = Selectable<MembershipsTable>;

export interface UserSessionsTable {
  id: string;
  user_id: string;
  family_id: string;
  refresh_hash: string;
  created_at: string;
  expires_at: string;
  rotated_at: string | null;
  revoked_at: string | null;
  user_agent: string | null;
  ip: string | null;
}
export type UserSessionRow = Selectable<UserSessionsTable>;

export interface InvitationsTable {
  id: string;
  /** null: an invitation to become a platform user. */
  tenant_id: string | null;
  email: string;
  role: string;
  environments: string;
  token_hash: string;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
}
export type InvitationRow = Selectable<InvitationsTable>;

export interface TenantRolesTable {
  id: `role_${string}`;
  tenant_id: string;
  name: string;
  description: string | null;
  /** JSON list of permissions (no `*`). */
  permissions: string;
  /** JSON object: environment name → list of permissions used there instead. */
  environment_permissions: string;
  created_at: string;
  updated_at: string;
}
export type TenantRoleRow = Selectable<TenantRolesTable>;

export interface PasswordResetsTable {
  id: string;
  user_id: string;
  token_hash: string;
  requested_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}
export type PasswordResetRow = Selectable<PasswordResetsTable>;

export interface SessionSigningKeysTable {
  kid: string;
  public_jwk: string;
  /** PKCS#8 PEM, sealed with the master key. */
  private_key: string;
  created_at: string;
  retired_at: string | null;
}

/** rate-limiter-flexible's Postgres store (http/rate-limit.ts); expire is epoch milliseconds. */
export interface RateLimitsTable {
  key: string;
  points: number;
  expire: number | null;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  name: string | null;
  prefix: string;
  secret_hash: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface EntitlementsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  key: string;
  name: string;
  description: string | null;
  kind: EntitlementKind;
  levels: string | null;
  period: Interval | null;
  content_ids: string | null;
  metadata: string;
  status: CatalogStatus;
  created_at: string;
  updated_at: string;
}

export interface BundlesTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  key: string;
  name: string;
  description: string | null;
  metadata: string;
  status: CatalogStatus;
  created_at: string;
  updated_at: string;
}

export interface BundleEntitlementsTable {
  tenant_id: string;
  environment_id: string;
  bundle_id: string;
  entitlement_id: string;
  position: number;
  quota_limit: number | null;
  tier_level: string | null;
  content: string | null;
}

export interface PricesTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  bundle_id: string;
  currency: string;
  amount: number;
  interval: Interval;
  interval_count: number;
  trial_days: number;
  term_count: number | null;
  nickname: string | null;
  /** What the price sells, for VAT (invoicing's tax engine picks the rate by it). */
  tax_code: "electronic_service" | "e_book";
  /** null: the storefront legal entity's prices_include_tax decides. */
  tax_behavior: "inclusive" | "exclusive" | null;
  status: CatalogStatus;
  created_at: string;
}

export interface StorefrontsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  key: string;
  name: string;
  type: (typeof StorefrontType)["options"][number];
  channels: string;
  payment_providers: string;
  fiscal_provider: string | null;
  /** AES-256-GCM envelope of `{ [providerName]: credentials }`; never leaves the server. */
  credentials_encrypted: string | null;
  dunning: string;
  metadata: string;
  status: CatalogStatus;
  created_at: string;
  updated_at: string;
}

export interface StorefrontBundlesTable {
  tenant_id: string;
  environment_id: string;
  storefront_id: string;
  bundle_id: string;
  position: number;
}

export interface CustomersTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  storefront_id: string;
  external_id: string;
  email: string | null;
  name: string | null;
  country: string | null;
  metadata: string;
  created_at: string;
  updated_at: string;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  /** null while the first request is still running. */
  status_code: number | null;
  response_body: string | null;
  created_at: string;
}

export interface EventsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  type: EventType;
  object_type: string;
  object_id: string;
  data: string;
  correlation_id: string | null;
  request_id: string | null;
  created_at: string;
  /** The Actor as JSON. */
  actor: string | null;
  causation_id: string | null;
  /** Null until the fan-out job has handed the event to its consumers. */
  fanned_out_at: string | null;
  /** The Idempotency-Key of the request that made it, for the audit trail. */
  idempotency_key: string | null;
  /**
   * Audit records that came with the change (its decisions and outcome), redacted, as JSON: the
   * audit consumer appends them to the chain before the event's own record. Never in the API.
   */
  audit_notes: string | null;
}

export interface JobsTable {
  id: string;
  tenant_id: string | null;
  environment_id: string | null;
  type: string;
  payload: string;
  clock: "environment" | "wall";
  run_at: string;
  status: "pending" | "running" | "done" | "dead";
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  dedupe_key: string | null;
  /** What the job waits on (a webhook endpoint, a provider): the worker caps running jobs per target. */
  target: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: string;
  updated_at: string;
  /** Lineage of the request or run that scheduled it, carried into what it does. */
  correlation_id: string | null;
  causation_id: string | null;
}

/** The queue's copy of a frozen test clock (jobs/queue.ts): one row per environment whose clock is set. */
export interface JobClocksTable {
  environment_id: string;
  tenant_id: string;
  clock_at: string;
}

/** A customer's data key (sealed with the master key): destroying it erases what it encrypted. */
export interface CustomerKeysTable {
  customer_id: string;
  tenant_id: string;
  environment_id: string;
  key_encrypted: string;
  created_at: string;
}

/** The effective entitlements last pushed in `customer.entitlements_updated`. */
export interface CustomerEntitlementStatesTable {
  customer_id: string;
  tenant_id: string;
  environment_id: string;
  entitlements: string;
  event_id: string | null;
  updated_at: string;
}

export interface WebhookEndpointsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  url: string;
  enabled_events: string;
  description: string | null;
  metadata: string;
  status: "enabled" | "disabled";
  disabled_reason: "manual" | "persistent_failure" | null;
  /** SecretBox envelope of `whsec_…`: recoverable, because every delivery is signed with it. */
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: string | null;
  failing_since: string | null;
  last_success_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: "pending" | "succeeded" | "failed";
  attempt_count: number;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  number: number;
  tenant_id: string;
  environment_id: string;
  trigger: "automatic" | "manual";
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  succeeded: number;
}

export interface EntitlementGrantsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  customer_id: string;
  entitlement_id: string;
  /** The entitlement's key at grant time (keys never change). */
  entitlement_key: string;
  /** The entitlement's kind (kinds never change either). */
  kind: EntitlementKind;
  /** quota: the entitlement's period (fixed once created). */
  period: Interval | null;
  quota_limit: number | null;
  tier_level: string | null;
  content: string | null;
  reason: string;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

export interface UsageRecordsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  customer_id: string;
  entitlement_id: string;
  quantity: number;
  window_start: string;
  occurred_at: string;
  idempotency_key: string | null;
  /** "usage" (POST /usage) or "check" (a consuming check). */
  source: "usage" | "check";
  created_at: string;
}

export interface UsageCountersTable {
  tenant_id: string;
  environment_id: string;
  customer_id: string;
  entitlement_id: string;
  window_start: string;
  used: number;
  updated_at: string;
}

export interface SigningKeysTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  alg: string;
  public_jwk: string;
  private_key_encrypted: string | null;
  status: "active" | "retiring" | "retired";
  created_at: string;
  rotated_at: string | null;
  retires_at: string | null;
  /** When a rotated-in key starts signing; null: from creation. */
  activates_at: string | null;
}

export interface SubscriptionsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  customer_id: string;
  storefront_id: string;
  bundle_id: string;
  price_id: string;
  channel: ChannelName;
  status: SubscriptionStatus;
  /** Null for a subscription a store or partner manages (it charges; we never do). */
  payment_method: string | null;
  period_index: number;
  anchor_at: string;
  anchor_period: number;
  current_period_start: string;
  current_period_end: string;
  trial_end: string | null;
  cancel_at_period_end: number;
  cancelled_at: string | null;
  ended_at: string | null;
  /** JSON array of { status, at, reason }. */
  status_history: string;
  /** JSON { price, bundle, effective_at } or null. */
  pending_plan_change: string | null;
  /** JSON PendingPriceChangeState (modules/price-changes) or null: a price migration waiting for its renewal. */
  pending_price_change: string | null;
  latest_payment_id: string | null;
  inflight_payment_id: string | null;
  unpaid_payment_id: string | null;
  dunning_step: number | null;
  dunning_retryable: number | null;
  next_retry_at: string | null;
  payment_check_at: string | null;
  version: number;
  metadata: string;
  created_at: string;
  updated_at: string;
}

export interface PaymentsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  customer_id: string;
  storefront_id: string;
  subscription_id: string | null;
  kind: PaymentKind;
  amount: number;
  currency: string;
  status: PaymentStatus;
  refunded_amount: number;
  provider: string;
  provider_reference: string | null;
  failure_code: string | null;
  failure_message: string | null;
  retryable: number | null;
  period_index: number;
  attempt: number;
  payment_method: string;
  idempotency_key: string;
  correlation_id: string | null;
  /** The routing decision (JSON RoutingDecision), null for payments made before routing kept one. */
  routing: string | null;
  /** JSON PaymentAttempt[]: the attempts it cascaded away from, oldest first (null: none). */
  attempts: string | null;
  /** A chargeback the PSP reported: null, open, won or lost. */
  dispute_status: "open" | "won" | "lost" | null;
  /** When the PSP reported the money settled (its webhook); null until then. */
  settled_at: string | null;
  disputed_amount: number | null;
  dispute_reason: string | null;
  /** Tax added to a tax-exclusive price, in `amount` (net + tax); null: none added. */
  tax_amount: number | null;
  /** JSON TaxDecision that decided `tax_amount`, so the invoice uses the same numbers. */
  tax_decision: string | null;
  /** Captured so far; null for a payment captured in one step (then: the amount once succeeded). */
  amount_captured: number | null;
  /** An uncaptured authorization lapses then (the expiry job voids it); null otherwise. */
  authorization_expires_at: string | null;
  /** One-off payments: the merchant's description and metadata (JSON object). */
  description: string | null;
  metadata: string | null;
  created_at: string;
  updated_at: string;
}

/** The sandbox payment provider's own records (its "server side"). */
export interface SandboxOperationsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  provider: string;
  idempotency_key: string;
  operation: string;
  charge_id: string | null;
  payment_method: string | null;
  customer: string | null;
  amount: number;
  currency: string;
  status: string;
  decline_code: string | null;
  timed_out: number;
  captured_amount: number;
  refunded_amount: number;
  created_at: string;
}

/** One tenant's hash chain (modules/audit): append-only, Postgres refuses UPDATE/DELETE. */
export interface AuditRecordsTable {
  id: string;
  tenant_id: string;
  /** null for tenant-wide records (a platform read). */
  environment_id: string | null;
  seq: number;
  kind: "action" | "decision" | "outcome";
  action: string;
  object_type: string | null;
  object_id: string | null;
  /** The Actor as JSON. */
  actor: string | null;
  request_id: string | null;
  idempotency_key: string | null;
  correlation_id: string | null;
  causation_id: string | null;
  event_id: string | null;
  /** Redacted snapshots as JSON. */
  before: string | null;
  after: string | null;
  reason: string | null;
  data: string;
  /** Business time (the environment's clock); recorded_at is the wall clock at append. */
  created_at: string;
  recorded_at: string;
  prev_hash: string;
  hash: string;
}

export interface AuditChainHeadsTable {
  tenant_id: string;
  seq: number;
  hash: string;
  updated_at: string;
}

/** Ed25519 keys signing checkpoints; the private half sealed with the master key. */
export interface AuditKeysTable {
  id: string;
  public_key: string;
  private_key_encrypted: string;
  created_at: string;
}

export interface AuditCheckpointsTable {
  id: string;
  tenant_id: string;
  seq: number;
  hash: string;
  key_id: string;
  signature: string;
  created_at: string;
}

export interface Database {
  tenants: TenantsTable;
  environments: EnvironmentsTable;
  platform_keys: PlatformKeysTable;
  api_keys: ApiKeysTable;
  rate_limits: RateLimitsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  tenant_roles: TenantRolesTable;
  password_resets: PasswordResetsTable;
  user_sessions: UserSessionsTable;
  invitations: InvitationsTable;
  session_signing_keys: SessionSigningKeysTable;
  entitlements: EntitlementsTable;
  bundles: BundlesTable;
  bundle_entitlements: BundleEntitlementsTable;
  prices: PricesTable;
  storefronts: StorefrontsTable;
  storefront_bundles: StorefrontBundlesTable;
  customers: CustomersTable;
  idempotency_keys: IdempotencyKeysTable;
  events: EventsTable;
  jobs: JobsTable;
  job_clocks: JobClocksTable;
  customer_keys: CustomerKeysTable;
  customer_entitlement_states: CustomerEntitlementStatesTable;
  subscriptions: SubscriptionsTable;
  payments: PaymentsTable;
  sandbox_operations: SandboxOperationsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  entitlement_grants: EntitlementGrantsTable;
  usage_records: UsageRecordsTable;
  usage_counters: UsageCountersTable;
  signing_keys: SigningKeysTable;
  audit_records: AuditRecordsTable;
  audit_chain_heads: AuditChainHeadsTable;
  audit_keys: AuditKeysTable;
  audit_checkpoints: AuditCheckpointsTable;
  health: HealthTable;
  console_setup_tokens: ConsoleSetupTokensTable;
}

/** A one-time link that creates the first platform admin (modules/console/setup.ts). */
export interface ConsoleSetupTokensTable {
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** Written by /readyz: proof that the database commits, not only answers. */
export interface HealthTable {
  id: string;
  checked_at: string;
}

/** Repos take either the database or an open transaction. */
export type Db = Kysely<Database> | Transaction<Database>;

export type TenantRow = Selectable<TenantsTable>;
export type EnvironmentRow = Selectable<EnvironmentsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type PlatformKeyRow = Selectable<PlatformKeysTable>;
export type EntitlementRow = Selectable<EntitlementsTable>;
export type BundleRow = Selectable<BundlesTable>;
export type PriceRow = Selectable<PricesTable>;
export type StorefrontRow = Selectable<StorefrontsTable>;
export type CustomerRow = Selectable<CustomersTable>;
export type NewCustomer = Insertable<CustomersTable>;
export type CustomerUpdate = Updateable<CustomersTable>;
export type EventRow = Selectable<EventsTable>;
export type AuditRecordRow = Selectable<AuditRecordsTable>;
export type AuditCheckpointRow = Selectable<AuditCheckpointsTable>;
export type JobRow = Selectable<JobsTable>;
export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type SandboxOperationRow = Selectable<SandboxOperationsTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;

/** What payment providers pushed to us, verified, before and after a job applied it. */
export interface ProviderInboxTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  storefront_id: string;
  provider: string;
  provider_event_id: string;
  type: string;
  reference: string;
  amount: number | null;
  currency: string | null;
  occurred_at: string;
  event: string;
  raw_headers: string;
  raw_body: string;
  /** pending → applied (it changed something, or there was nothing to change) or unmatched. */
  status: "pending" | "applied" | "unmatched";
  /** What applying it did, in words, for support. */
  result: string | null;
  payment_id: string | null;
  received_at: string;
  applied_at: string | null;
}

// Declaration merging: the inbox joins `Database` here, so this file's other tables are untouched.
export interface Database {
  provider_inbox: ProviderInboxTable;
}

export type ProviderInboxRow = Selectable<ProviderInboxTable>;

/* Subscription channels (modules/channels). Merged into Database by declaration merging. */

export type ChannelNotificationStatus = "received" | "applied" | "parked" | "superseded" | "ignored" | "rejected";

export interface ChannelLinksTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  channel: string;
  vendor_subscription_id: string;
  vendor_customer_id: string | null;
  storefront_id: string;
  customer_id: string | null;
  subscription_id: string | null;
  last_occurred_at: string | null;
  last_sequence: ColumnType<number | null, number | null, number | null>;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ChannelProductsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  storefront_id: string;
  channel: string;
  vendor_product_id: string;
  price_id: string;
  created_at: string;
}

export interface ChannelNotificationsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  storefront_id: string;
  channel: string;
  vendor_event_id: string;
  vendor_subscription_id: string | null;
  vendor_type: string;
  vendor_subtype: string | null;
  event: string | null;
  occurred_at: string;
  sequence: ColumnType<number | null, number | null, number | null>;
  product_id: string | null;
  customer_hint: string | null;
  period_start: string | null;
  period_end: string | null;
  raw: string;
  verified: number;
  status: ChannelNotificationStatus;
  detail: string | null;
  link_id: string | null;
  subscription_id: string | null;
  changes: string | null;
  received_at: string;
  applied_at: string | null;
  /** JSON of the vendor's answer when the notification was completed by a refetch (migration 150). */
  resolved_effect: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One storefront's settings of one channel: public config JSON, secrets sealed (migration 150). */
export interface ChannelSettingsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  storefront_id: string;
  channel: string;
  config: string;
  credentials_encrypted: string | null;
  created_at: string;
  updated_at: string;
}

export interface Database {
  channel_settings: ChannelSettingsTable;
  channel_links: ChannelLinksTable;
  channel_products: ChannelProductsTable;
  channel_notifications: ChannelNotificationsTable;
}

export type ChannelLinkRow = Selectable<ChannelLinksTable>;
export type ChannelProductRow = Selectable<ChannelProductsTable>;
export type ChannelNotificationRow = Selectable<ChannelNotificationsTable>;

/* Payment orchestration (modules/payments): methods, routing settings and statistics. */

export interface PaymentMethodsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  customer_id: string;
  type: PaymentMethodType;
  brand: string | null;
  last4: string | null;
  exp_month: number | null;
  exp_year: number | null;
  fingerprint: string | null;
  is_default: number;
  detached_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface PaymentMethodTokensTable {
  tenant_id: string;
  environment_id: string;
  payment_method_id: string;
  provider: string;
  token: string;
  fingerprint: string | null;
  created_at: string;
}

export interface PaymentRoutingTable {
  tenant_id: string;
  environment_id: string;
  storefront_id: string;
  /** JSON PaymentRoutingSettings. */
  settings: string;
  updated_at: string;
}

export interface RoutingStatsTable {
  tenant_id: string;
  environment_id: string;
  provider: string;
  /** ISO country of the payer, "" when unknown. */
  country: string;
  method_type: PaymentMethodType;
  era: number;
  weighted_ok: number;
  weighted_all: number;
  updated_at: string;
}

export interface Database {
  payment_methods: PaymentMethodsTable;
  payment_method_tokens: PaymentMethodTokensTable;
  payment_routing: PaymentRoutingTable;
  routing_stats: RoutingStatsTable;
}

export type PaymentMethodRow = Selectable<PaymentMethodsTable>;
export type PaymentMethodTokenRow = Selectable<PaymentMethodTokensTable>;
export type RoutingStatsRow = Selectable<RoutingStatsTable>;
export type ChannelSettingsRow = Selectable<ChannelSettingsTable>;

/* Fiscal invoicing (modules/invoicing). Merged into Database by declaration merging. */

export interface InvoicingLegalEntitiesTable {
  storefront_id: string;
  tenant_id: string;
  environment_id: string;
  legal_name: string;
  /** JSON PostalAddress. */
  address: string;
  vat_id: string | null;
  tax_number: string | null;
  tax_office: string | null;
  email: string | null;
  invoice_series: string;
  credit_note_series: string;
  numbering_reset: "never" | "yearly";
  prices_include_tax: number;
  created_at: string;
  updated_at: string;
}

export interface InvoicingBillingDetailsTable {
  customer_id: string;
  tenant_id: string;
  environment_id: string;
  type: "individual" | "business";
  name: string;
  /** JSON PostalAddress. */
  address: string;
  vat_id: string | null;
  tax_number: string | null;
  created_at: string;
  updated_at: string;
}

export interface InvoiceSequencesTable {
  tenant_id: string;
  environment_id: string;
  storefront_id: string;
  series: string;
  /** 0 for a series that never resets. */
  year: number;
  last_number: number;
}

export interface InvoicesTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  kind: "invoice" | "credit_note";
  /** `payment:<id>` for an invoice, `refund:<payment>:<from>` for a credit note: unique per environment. */
  source_key: string;
  storefront_id: string;
  customer_id: string;
  subscription_id: string | null;
  payment_id: string;
  /** A credit note's invoice. */
  invoice_id: string | null;
  series: string;
  year: number;
  sequence: number;
  number: string;
  uuid: string;
  issue_date: string;
  currency: string;
  net_total: number;
  tax_total: number;
  rounding_amount: number;
  total: number;
  amount_paid: number;
  credited_amount: number;
  /** A credit note covers the payment's refunded total from `credit_from` to `credit_to`. */
  credit_from: number | null;
  credit_to: number | null;
  /** JSON: lines, tax subtotals, seller, buyer, notes (the document as issued). */
  document: string;
  fiscal_provider: string | null;
  fiscal_status: "none" | "pending" | "submitted" | "accepted" | "rejected" | "cancelled";
  /** When the invoice was cancelled with its fiscal provider (e-Arşiv iptal); null while it stands. */
  cancelled_at: string | null;
  fiscal_reference: string | null;
  fiscal_reason: string | null;
  fiscal_attempts: number;
  created_at: string;
  updated_at: string;
}

export interface Database {
  invoicing_legal_entities: InvoicingLegalEntitiesTable;
  invoicing_billing_details: InvoicingBillingDetailsTable;
  invoice_sequences: InvoiceSequencesTable;
  invoices: InvoicesTable;
}

export type LegalEntityRow = Selectable<InvoicingLegalEntitiesTable>;
export type BillingDetailsRow = Selectable<InvoicingBillingDetailsTable>;
export type InvoiceRow = Selectable<InvoicesTable>;

/* Privacy requests and consent records (modules/privacy, modules/consents). */

export interface PrivacyRequestsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  customer_id: string;
  kind: "export" | "erase";
  status: "pending" | "ready" | "downloaded" | "expired" | "completed" | "failed";
  /** JSON: the request's options (erase: what to do with active subscriptions). */
  options: string;
  /** Export: the archive, sealed with the master key; null once downloaded or expired. */
  archive_encrypted: string | null;
  /** Erase: JSON { module: { table: rows } }. */
  report: string | null;
  /** The Actor as JSON. */
  actor: string | null;
  created_at: string;
  completed_at: string | null;
  expires_at: string | null;
  downloaded_at: string | null;
}

export interface ConsentRecordsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  customer_id: string;
  purpose: string;
  status: "granted" | "withdrawn";
  text_version: string;
  method: string;
  occurred_at: string;
  collected_by: string | null;
  /** The Actor as JSON. */
  actor: string | null;
  metadata: string;
  created_at: string;
}

export interface Database {
  privacy_requests: PrivacyRequestsTable;
  consent_records: ConsentRecordsTable;
}

export type PrivacyRequestRow = Selectable<PrivacyRequestsTable>;
export type ConsentRecordRow = Selectable<ConsentRecordsTable>;

/** Retention (modules/privacy/retention.ts): per environment; null keeps forever. */
export interface RetentionPoliciesTable {
  environment_id: string;
  tenant_id: string;
  webhook_delivery_log_days: number | null;
  channel_raw_days: number | null;
  usage_record_days: number | null;
  event_days: number | null;
  anonymize_after_months: number | null;
  updated_at: string;
}

export interface RetentionRunsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  /** The policy applied, as JSON. */
  policy: string;
  /** JSON { rule: rows }. */
  report: string;
  ran_at: string;
}

export interface Database {
  retention_policies: RetentionPoliciesTable;
  retention_runs: RetentionRunsTable;
}

export type RetentionPolicyRow = Selectable<RetentionPoliciesTable>;
export type RetentionRunRow = Selectable<RetentionRunsTable>;

/* Trial eligibility (modules/trials). */

export interface TrialPoliciesTable {
  storefront_id: string;
  tenant_id: string;
  environment_id: string;
  /** JSON array of TrialIdentity. */
  one_per: string;
  family: "storefront" | "bundle";
  lookback_days: number | null;
  on_ineligible: "refuse" | "start_without_trial";
  updated_at: string;
}

export interface TrialClaimsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  storefront_id: string;
  bundle_id: string;
  customer_id: string;
  subscription_id: string | null;
  /** Keyed digests (SecretBox.digest) of the normalized identities; null when not known. */
  email_digest: string | null;
  payment_method_digest: string | null;
  device_digest: string | null;
  msisdn_digest: string | null;
  started_at: string;
}

export interface Database {
  trial_policies: TrialPoliciesTable;
  trial_claims: TrialClaimsTable;
}

export type TrialPolicyRow = Selectable<TrialPoliciesTable>;
export type TrialClaimRow = Selectable<TrialClaimsTable>;

/** Safe mode (modules/safe-mode): active while exited_at is null. */
export interface SafeModesTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  /** null: the whole environment. */
  provider: string | null;
  reason: string;
  entered_at: string;
  /** The Actor as JSON. */
  entered_by: string | null;
  exited_at: string | null;
  exited_by: string | null;
  released_jobs: number | null;
}

export interface Database {
  safe_modes: SafeModesTable;
}

export type SafeModeRow = Selectable<SafeModesTable>;

/** Price changes for existing subscribers (modules/price-changes). */
export interface PriceMigrationsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  bundle_id: string;
  from_price_id: string;
  to_price_id: string;
  strategy: "grandfather" | "notify" | "require_consent";
  notice_days: number | null;
  on_no_consent: "cancel" | "keep" | null;
  text_version: string | null;
  storefront_id: string | null;
  status: "running" | "completed";
  /** The last subscription id the run went through (ids ascending): where a resumed run continues. */
  cursor: string | null;
  /** The Actor as JSON. */
  actor: string | null;
  created_at: string;
  completed_at: string | null;
}

export interface SubscriptionPriceChangesTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  migration_id: string;
  subscription_id: string;
  customer_id: string;
  from_price_id: string;
  to_price_id: string;
  status:
    | "grandfathered"
    | "skipped"
    | "scheduled"
    | "awaiting_consent"
    | "consented"
    | "declined"
    | "applied"
    | "expired"
    | "cancelled";
  reason: string | null;
  effective_at: string | null;
  consent_record_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface Database {
  price_migrations: PriceMigrationsTable;
  subscription_price_changes: SubscriptionPriceChangesTable;
}

export type PriceMigrationRow = Selectable<PriceMigrationsTable>;
export type SubscriptionPriceChangeRow = Selectable<SubscriptionPriceChangesTable>;

/** Campaigns (modules/campaigns, docs/campaigns.md). JSON columns are text. */
export interface CouponsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  name: string;
  /** Hundredths of a percent (12.5% = 1250); null for an amount-off coupon. */
  percent_off_hundredths: number | null;
  /** JSON { currency: minor units }. */
  amounts_off: string | null;
  duration: "once" | "repeating" | "forever";
  duration_in_periods: number | null;
  /** JSON CouponAppliesTo. */
  applies_to: string;
  first_subscription_only: number;
  minimum_amounts: string | null;
  starts_at: string | null;
  ends_at: string | null;
  max_redemptions: number | null;
  max_redemptions_per_customer: number | null;
  times_redeemed: number;
  velocity: string | null;
  trigger: string | null;
  status: "active" | "archived";
  metadata: string;
  created_at: string;
  updated_at: string;
}

export interface PromotionCodesTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  coupon_id: string;
  code: string;
  code_key: string;
  customer_id: string | null;
  max_redemptions: number | null;
  times_redeemed: number;
  expires_at: string | null;
  status: "active" | "archived";
  metadata: string;
  created_at: string;
}

export interface CampaignRedemptionsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  outcome: "redeemed" | "refused" | "released";
  code: string | null;
  coupon_id: string | null;
  promotion_code_id: string | null;
  customer_id: string;
  subscription_id: string | null;
  /** Keyed digest of the payment-method fingerprint (velocity per fingerprint). */
  fingerprint_digest: string | null;
  /** JSON RedemptionCheck[]. */
  checks: string;
  request_id: string | null;
  created_at: string;
}

export interface DiscountsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  subscription_id: string;
  customer_id: string;
  coupon_id: string;
  promotion_code_id: string | null;
  redemption_id: string;
  first_period: number;
  last_period: number | null;
  status: "active" | "ended";
  ended_at: string | null;
  created_at: string;
  /** When its `discount.applied` event was recorded; null while (or if a crash left it) unannounced. */
  announced_at: string | null;
}

export interface DiscountApplicationsTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  discount_id: string;
  subscription_id: string;
  period_index: number;
  kind: string;
  currency: string;
  gross_amount: number;
  discount_amount: number;
  description: string;
  created_at: string;
}

export interface CampaignOffersTable {
  id: string;
  tenant_id: string;
  environment_id: string;
  customer_id: string;
  coupon_id: string;
  trigger: "win_back" | "dunning_recovery" | "upgrade" | "api";
  expires_at: string;
  redeemed_at: string | null;
  created_at: string;
}

export interface Database {
  coupons: CouponsTable;
  promotion_codes: PromotionCodesTable;
  campaign_redemptions: CampaignRedemptionsTable;
  discounts: DiscountsTable;
  discount_applications: DiscountApplicationsTable;
  campaign_offers: CampaignOffersTable;
}

export type CouponRow = Selectable<CouponsTable>;
export type PromotionCodeRow = Selectable<PromotionCodesTable>;
export type CampaignRedemptionRow = Selectable<CampaignRedemptionsTable>;
export type DiscountRow = Selectable<DiscountsTable>;
export type CampaignOfferRow = Selectable<CampaignOffersTable>;
