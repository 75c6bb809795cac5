/**
 * Writes src/generated/types.ts: plain TypeScript types of the API objects and token claims,
 * generated from @tessera/core's zod schemas (through their JSON Schema). The SDK's published
 * types then stand alone: apps need neither @tessera/core nor zod. `test/generated.test.ts`
 * fails when the file is stale; run `pnpm --filter @tessera/sdk generate` after changing core.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import * as core from "@tessera/core";
import { z } from "zod";

type Io = "input" | "output";
type JsonSchema = Record<string, unknown>;

/** Every generated type: its name, its schema, and whether it is what callers send or receive. */
const TARGETS: Array<[name: string, schema: z.ZodType, io: Io]> = [
  ["EntitlementClaims", core.EntitlementClaims, "output"],
  ["EntitlementClaim", core.EntitlementClaim, "output"],
  ["TierClaim", core.TierClaim, "output"],
  ["QuotaClaim", core.QuotaClaim, "output"],
  ["ContentClaim", core.ContentClaim, "output"],
  ["SubscriptionClaim", core.SubscriptionClaim, "output"],
  ["Entitlement", core.Entitlement, "output"],
  ["CreateEntitlementInput", core.CreateEntitlement, "input"],
  ["UpdateEntitlementInput", core.UpdateEntitlement, "input"],
  ["BundleEntitlement", core.BundleEntitlement, "output"],
  ["BundleEntitlementInput", core.BundleEntitlementInput, "input"],
  ["Price", core.Price, "output"],
  ["CreatePriceInput", core.CreatePrice, "input"],
  ["UpdatePriceInput", core.UpdatePrice, "input"],
  ["Bundle", core.Bundle, "output"],
  ["CreateBundleInput", core.CreateBundle, "input"],
  ["UpdateBundleInput", core.UpdateBundle, "input"],
  ["ProviderConfig", core.ProviderConfig, "output"],
  ["ProviderInput", core.ProviderInput, "input"],
  ["Storefront", core.Storefront, "output"],
  ["CreateStorefrontInput", core.CreateStorefront, "input"],
  ["UpdateStorefrontInput", core.UpdateStorefront, "input"],
  ["ChannelSettings", core.ChannelSettingsView, "output"],
  ["ChannelSettingsInput", core.ChannelSettingsInput, "input"],
  ["ChannelProduct", core.ChannelProduct, "output"],
  ["ChannelProductInput", core.ChannelProductInput, "input"],
  ["CreateChannelLinkInput", core.CreateChannelLink, "input"],
  ["ChannelLinkResult", core.ChannelLinkResult, "output"],
  ["ChannelNotification", core.ChannelNotification, "output"],
  ["StartPayPalSubscriptionInput", core.StartPayPalSubscription, "input"],
  ["PayPalSubscriptionStarted", core.PayPalSubscriptionStarted, "output"],
  ["CancelVendorSubscriptionInput", core.CancelVendorSubscription, "input"],
  ["VendorCancelRequested", core.VendorCancelRequested, "output"],
  ["StartTelecomAuthorisationInput", core.StartTelecomAuthorisation, "input"],
  ["TelecomAuthorisation", core.TelecomAuthorisation, "output"],
  ["TelecomPinInput", core.TelecomPin, "input"],
  ["Customer", core.Customer, "output"],
  ["CreateCustomerInput", core.CreateCustomer, "input"],
  ["UpdateCustomerInput", core.UpdateCustomer, "input"],
  ["ApiKey", core.ApiKey, "output"],
  ["ApiKeyWithSecret", core.ApiKeyWithSecret, "output"],
  ["CreateApiKeyInput", core.CreateApiKey, "input"],
  ["DeletionResult", core.DeletionResult, "output"],
  ["Deleted", core.Deleted, "output"],
  ["StatusChange", core.StatusChange, "output"],
  ["PendingPlanChange", core.PendingPlanChange, "output"],
  ["Payment", core.Payment, "output"],
  ["Subscription", core.Subscription, "output"],
  ["CreateSubscriptionInput", core.CreateSubscription, "input"],
  ["CancelSubscriptionInput", core.CancelSubscription, "input"],
  ["ChangePlanInput", core.ChangePlan, "input"],
  ["UpdatePaymentMethodInput", core.UpdatePaymentMethod, "input"],
  ["SubscriptionListParams", core.SubscriptionListQuery, "input"],
  ["PaymentListParams", core.PaymentListQuery, "input"],
  ["RefundPaymentInput", core.RefundPayment, "input"],
  ["CreatePaymentInput", core.CreatePayment, "input"],
  ["CapturePaymentInput", core.CapturePayment, "input"],
  ["Dispute", core.Dispute, "output"],
  ["DisputeListParams", core.DisputeListQuery, "input"],
  ["Event", core.Event, "output"],
  ["EventListParams", core.EventListQuery, "input"],
  ["TestClock", core.TestClock, "output"],
  ["AdvanceTestClockInput", core.AdvanceTestClock, "input"],
  ["WebhookEndpoint", core.WebhookEndpoint, "output"],
  ["WebhookEndpointWithSecret", core.WebhookEndpointWithSecret, "output"],
  ["CreateWebhookEndpointInput", core.CreateWebhookEndpoint, "input"],
  ["UpdateWebhookEndpointInput", core.UpdateWebhookEndpoint, "input"],
  ["RotateWebhookSecretInput", core.RotateWebhookSecret, "input"],
  ["WebhookAttempt", core.WebhookAttempt, "output"],
  ["WebhookDelivery", core.WebhookDelivery, "output"],
  ["WebhookDeliveryListParams", core.WebhookDeliveryListQuery, "input"],
  ["CustomerEntitlement", core.CustomerEntitlement, "output"],
  ["EntitlementSubscription", core.EntitlementSubscription, "output"],
  ["CustomerEntitlements", core.CustomerEntitlements, "output"],
  ["CustomerEntitlementsUpdate", core.CustomerEntitlementsUpdate, "output"],
  ["CheckEntitlementInput", core.CheckEntitlement, "input"],
  ["EntitlementCheck", core.EntitlementCheck, "output"],
  ["IssueTokenInput", core.IssueToken, "input"],
  ["EntitlementToken", core.EntitlementToken, "output"],
  ["RecordUsageInput", core.RecordUsage, "input"],
  ["UsageRecord", core.UsageRecord, "output"],
  ["UsageListParams", core.UsageListQuery, "input"],
  ["Grant", core.Grant, "output"],
  ["CreateGrantInput", core.CreateGrant, "input"],
  ["SigningKey", core.SigningKey, "output"],
  ["RotateSigningKeyInput", core.RotateSigningKey, "input"],
  ["Jwks", core.Jwks, "output"],
  ["Environment", core.Environment, "output"],
  ["Tenant", core.Tenant, "output"],
  ["CreateTenantInput", core.CreateTenant, "input"],
  ["CreateEnvironmentInput", core.CreateEnvironment, "input"],
  ["User", core.User, "output"],
  ["Member", core.Member, "output"],
  ["Session", core.Session, "output"],
  ["SessionTokens", core.SessionTokens, "output"],
  ["Invitation", core.Invitation, "output"],
  ["TotpSetup", core.TotpSetup, "output"],
  ["LoginInput", core.Login, "input"],
  ["CreateInvitationInput", core.CreateInvitation, "input"],
  ["AcceptInvitationInput", core.AcceptInvitation, "input"],
  ["UpdateMembershipInput", core.UpdateMembership, "input"],
  ["Role", core.Role, "output"],
  ["CreateRoleInput", core.CreateRole, "input"],
  ["UpdateRoleInput", core.UpdateRole, "input"],
  ["ChangePasswordInput", core.ChangePassword, "input"],
  ["ResetPasswordInput", core.ResetPassword, "input"],
  ["DisableTotpInput", core.DisableTotp, "input"],
  ["PasswordReset", core.PasswordReset, "output"],
  ["TenantPlan", core.TenantPlan, "output"],
  ["AuditRecord", core.AuditRecord, "output"],
  ["AuditLineage", core.AuditLineage, "output"],
  ["AuditListParams", core.AuditListQuery, "input"],
  ["MetricsSummary", core.MetricsSummary, "output"],
  ["MetricsHistory", core.MetricsHistory, "output"],
  ["PostalAddress", core.PostalAddress, "output"],
  ["SetTenantPlanInput", core.SetTenantPlan, "input"],
  ["ForgotPasswordInput", core.ForgotPassword, "input"],
  ["PrivacyRequest", core.PrivacyRequest, "output"],
  ["EraseCustomerInput", core.EraseCustomer, "input"],
  ["PrivacyExportArchive", core.PrivacyExportArchive, "output"],
  ["RetentionPolicy", core.RetentionPolicy, "output"],
  ["UpdateRetentionPolicyInput", core.UpdateRetentionPolicy, "input"],
  ["RetentionRun", core.RetentionRun, "output"],
  ["RecordConsentInput", core.RecordConsent, "input"],
  ["ConsentRecord", core.ConsentRecord, "output"],
  ["CurrentConsents", core.CurrentConsents, "output"],
  ["CreatePriceMigrationInput", core.CreatePriceMigration, "input"],
  ["PriceMigration", core.PriceMigration, "output"],
  ["PriceMigrationPreview", core.PriceMigrationPreview, "output"],
  ["SubscriptionPriceChange", core.SubscriptionPriceChange, "output"],
  ["AnswerPriceChangeInput", core.AnswerPriceChange, "input"],
  ["PaymentMethod", core.PaymentMethod, "output"],
  ["CreatePaymentMethodInput", core.CreatePaymentMethod, "input"],
  ["PaymentRoutingSettings", core.PaymentRoutingSettings, "input"],
  ["PaymentRouting", core.PaymentRouting, "output"],
  ["RoutePreviewInput", core.RoutePreview, "input"],
  ["RoutingDecision", core.RoutingDecision, "output"],
  ["LegalEntity", core.LegalEntity, "output"],
  ["LegalEntityInput", core.LegalEntityInput, "input"],
  ["BillingDetails", core.BillingDetails, "output"],
  ["BillingDetailsInput", core.BillingDetailsInput, "input"],
  ["TaxDecision", core.TaxDecision, "output"],
  ["InvoiceLine", core.InvoiceLine, "output"],
  ["TaxSubtotal", core.TaxSubtotal, "output"],
  ["InvoiceParty", core.InvoiceParty, "output"],
  ["FiscalState", core.FiscalState, "output"],
  ["Invoice", core.Invoice, "output"],
  ["CreditNote", core.CreditNote, "output"],
  ["InvoiceListParams", core.InvoiceListQuery, "input"],
  ["InvoiceBackfillInput", core.InvoiceBackfillInput, "input"],
  ["InvoiceBackfill", core.InvoiceBackfill, "output"],
  ["MetricsHistoryParams", core.MetricsHistoryQuery, "input"],
  ["TrialPolicy", core.TrialPolicy, "output"],
  ["UpdateTrialPolicyInput", core.UpdateTrialPolicy, "input"],
  ["TrialIdentityInput", core.TrialIdentityInput, "input"],
  ["TrialEligibility", core.TrialEligibility, "output"],
  ["SafeMode", core.SafeMode, "output"],
  ["EnterSafeModeInput", core.EnterSafeMode, "input"],
  ["Coupon", core.Coupon, "output"],
  ["CreateCouponInput", core.CreateCoupon, "input"],
  ["UpdateCouponInput", core.UpdateCoupon, "input"],
  ["PromotionCode", core.PromotionCode, "output"],
  ["CreatePromotionCodeInput", core.CreatePromotionCode, "input"],
  ["ApplyDiscountInput", core.ApplyDiscount, "input"],
  ["Discount", core.Discount, "output"],
  ["Redemption", core.Redemption, "output"],
  ["RedemptionListParams", core.RedemptionListQuery, "input"],
  ["CampaignOffer", core.CampaignOffer, "output"],
];

/** Each type's doc comment: what it is, and an example of where it shows up. */
const DOCS: Record<string, [summary: string, example: string]> = {
  Coupon: [
    "A coupon: what is taken off, for how long, for whom, and its limits.",
    'const coupon: Coupon = await tessera.campaigns.retrieveCoupon("cpn_123");',
  ],
  CreateCouponInput: [
    "A new coupon: percent or amounts off, duration, restrictions, limits, velocity, trigger.",
    'const input: CreateCouponInput = { name: "Spring", percent_off: 25, duration: "repeating", duration_in_periods: 3 };',
  ],
  UpdateCouponInput: [
    "What may change on a coupon (never its terms).",
    'const input: UpdateCouponInput = { ends_at: "2027-01-01T00:00:00.000Z" };',
  ],
  PromotionCode: [
    "A customer-facing code for a coupon.",
    'const code: PromotionCode = await tessera.campaigns.createPromotionCode({ coupon: "cpn_123", code: "SPRING25" });',
  ],
  CreatePromotionCodeInput: [
    "A new promotion code, optionally for one customer, with its own limit and expiry.",
    'const input: CreatePromotionCodeInput = { coupon: "cpn_123", code: "SPRING25", max_redemptions: 100 };',
  ],
  ApplyDiscountInput: [
    "A promotion code or coupon to redeem on an existing subscription.",
    'const input: ApplyDiscountInput = { promotion_code: "SPRING25" };',
  ],
  Discount: [
    "A discount on a subscription: which coupon, from and to which period.",
    'const discount: Discount = await tessera.campaigns.applyDiscount("sub_123", { promotion_code: "SPRING25" });',
  ],
  Redemption: [
    "One ledger entry: a redemption or a refusal, with every check that decided it.",
    'const { data } = await tessera.campaigns.listRedemptions({ outcome: "refused" });',
  ],
  RedemptionListParams: [
    "Filters of the redemption ledger.",
    'const params: RedemptionListParams = { coupon: "cpn_123", outcome: "refused" };',
  ],
  CampaignOffer: [
    "A customer's time-limited right to redeem a triggered campaign.",
    'const offer: CampaignOffer = await tessera.campaigns.offer("cus_123", { coupon: "cpn_123" });',
  ],
  TrialPolicy: [
    "A storefront's trial eligibility policy.",
    'const policy: TrialPolicy = await tessera.trials.retrievePolicy("web");',
  ],
  UpdateTrialPolicyInput: [
    "Changes to a storefront's trial policy.",
    'const input: UpdateTrialPolicyInput = { one_per: ["customer", "email"], lookback_days: 365 };',
  ],
  TrialIdentityInput: [
    "What the app knows of a sign-up's device, line and card, for trial rules.",
    'const identity: TrialIdentityInput = { device_id: "idfv-123" };',
  ],
  TrialEligibility: [
    "Whether a customer may start a trial of a price, and the rule that decided.",
    'const { eligible, rule }: TrialEligibility = await tessera.trials.eligibility("cus_123", { price: "price_123" });',
  ],
  SafeMode: [
    "A provider or the whole environment held in safe mode: no new charges.",
    'const hold: SafeMode = await tessera.safeMode.enter({ provider: "stripe", reason: "PSP incident" });',
  ],
  EnterSafeModeInput: [
    "What to hold (a provider, or the environment) and why.",
    'const input: EnterSafeModeInput = { reason: "PSP incident" };',
  ],
  PostalAddress: [
    "A postal address with its ISO country code.",
    'const { address }: { address: PostalAddress } = await tessera.legalEntities.retrieve("sf_123");',
  ],
  LegalEntity: [
    "The seller behind a storefront's invoices.",
    'const seller: LegalEntity = await tessera.legalEntities.retrieve("sf_123");',
  ],
  LegalEntityInput: [
    "What `legalEntities.set` takes.",
    'await tessera.legalEntities.set("sf_123", { legal_name: "Acme GmbH", address: { line1: "Weg 1", city: "Berlin", country: "DE" }, vat_id: "DE123456789" });',
  ],
  BillingDetails: [
    "A customer's name, address and tax ids for invoices.",
    'const details: BillingDetails = await tessera.billingDetails.retrieve("cus_123");',
  ],
  BillingDetailsInput: [
    "What `billingDetails.set` takes.",
    'await tessera.billingDetails.set("cus_123", { name: "Ada", address: { line1: "Rue 1", city: "Paris", country: "FR" } });',
  ],
  TaxDecision: [
    "The rule that decided a line's tax, its inputs and outcome.",
    'const { tax }: { tax: TaxDecision } = (await tessera.invoices.retrieve("inv_123")).lines[0]!;',
  ],
  InvoiceLine: [
    "One line of an invoice or credit note.",
    'const lines: InvoiceLine[] = (await tessera.invoices.retrieve("inv_123")).lines;',
  ],
  TaxSubtotal: [
    "The tax of one category and rate.",
    'const subtotals: TaxSubtotal[] = (await tessera.invoices.retrieve("inv_123")).tax_subtotals;',
  ],
  InvoiceParty: [
    "The seller or buyer on a document.",
    'const buyer: InvoiceParty = (await tessera.invoices.retrieve("inv_123")).buyer;',
  ],
  FiscalState: [
    "Where a document stands at its fiscal provider.",
    'const fiscal: FiscalState = (await tessera.invoices.retrieve("inv_123")).fiscal;',
  ],
  Invoice: [
    "The fiscal invoice of a captured charge.",
    'const invoice: Invoice = await tessera.invoices.retrieve("inv_123");',
  ],
  CreditNote: [
    "The credit note of a refund.",
    'const note: CreditNote = await tessera.creditNotes.retrieve("cn_123");',
  ],
  InvoiceListParams: [
    "Filters of `invoices.list` and `creditNotes.list`.",
    'await tessera.invoices.list({ customer: "cus_123" });',
  ],
  InvoiceBackfillInput: [
    "Which storefront's uninvoiced charges to invoice, from when, how many per call.",
    'const input: InvoiceBackfillInput = { storefront: "web", since: "2026-01-01T00:00:00Z", dry_run: true };',
  ],
  InvoiceBackfill: [
    "What one backfill call took and issued.",
    'const { invoices, has_more }: InvoiceBackfill = await tessera.invoices.backfill({ storefront: "web" });',
  ],
  TenantPlan: [
    "A tenant's plan, which sets its rate limits.",
    'const plan: TenantPlan = await platform.tenants.setPlan("acme", { plan: "growth" });',
  ],
  SetTenantPlanInput: ["The plan to put a tenant on.", 'const input: SetTenantPlanInput = { plan: "growth" };'],
  Role: [
    "A role: built in, or a tenant's own with its permissions.",
    'const role: Role = await tessera.roles.retrieve("role_123");',
  ],
  CreateRoleInput: [
    "A custom role of the tenant: a name and permissions.",
    'const input: CreateRoleInput = { name: "Billing ops", permissions: ["payments:read", "payments:refund"] };',
  ],
  UpdateRoleInput: ["Changes to a custom role.", 'const input: UpdateRoleInput = { permissions: ["payments:read"] };'],
  ChangePasswordInput: [
    "The current password and the new one.",
    'const input: ChangePasswordInput = { current_password: "old one", new_password: "a new long password" };',
  ],
  ForgotPasswordInput: [
    "The e-mail that asks for a reset link.",
    'const input: ForgotPasswordInput = { email: "ada@example.com" };',
  ],
  ResetPasswordInput: [
    "A one-time reset token and the new password.",
    'const input: ResetPasswordInput = { token, new_password: "a new long password" };',
  ],
  PasswordReset: [
    "A one-time password reset token issued by an admin.",
    'const { token }: PasswordReset = await tessera.users.issuePasswordReset("usr_123");',
  ],
  DisableTotpInput: [
    "A current TOTP code that turns the second factor off.",
    'const input: DisableTotpInput = { password, code: "123456" };',
  ],
  PrivacyRequest: [
    "An export or erasure of a customer's data, with its status.",
    'const request: PrivacyRequest = await tessera.privacy.export("cus_123");',
  ],
  EraseCustomerInput: [
    "How to erase a customer who still has live subscriptions.",
    'const input: EraseCustomerInput = { active_subscriptions: "cancel" };',
  ],
  PrivacyExportArchive: [
    "Everything held about one customer, as one archive.",
    'const archive: PrivacyExportArchive = await tessera.privacy.downloadArchive("prq_123");',
  ],
  RetentionPolicy: [
    "How long this environment keeps each kind of record.",
    "const policy: RetentionPolicy = await tessera.retention.retrievePolicy();",
  ],
  UpdateRetentionPolicyInput: [
    "Changes to the retention policy.",
    "const input: UpdateRetentionPolicyInput = { webhook_delivery_log_days: 30 };",
  ],
  RetentionRun: [
    "One run of the retention policy and what it removed.",
    "const run: RetentionRun = await tessera.retention.run();",
  ],
  RecordConsentInput: [
    "A consent given or withdrawn, with how and which text.",
    'const input: RecordConsentInput = { purpose: "marketing_email", status: "granted", method: "web_form", text_version: "v3" };',
  ],
  ConsentRecord: [
    "One consent record of a customer's history.",
    'const record: ConsentRecord = await tessera.consents.record("cus_123", input);',
  ],
  CurrentConsents: [
    "A customer's current consent per purpose.",
    'const consents: CurrentConsents = await tessera.consents.current("cus_123");',
  ],
  CreatePriceMigrationInput: [
    "A price change for the current subscribers of a price: grandfather, notify or require_consent.",
    'const input: CreatePriceMigrationInput = { to_price: "price_new", strategy: "notify", notice_days: 30 };',
  ],
  PriceMigration: [
    "A price change for existing subscribers, with its progress.",
    'const migration = await tessera.priceChanges.create("price_old", input);',
  ],
  PriceMigrationPreview: [
    "What a price migration would do (a dry run): affected and skipped subscriptions.",
    'const preview: PriceMigrationPreview = await tessera.priceChanges.preview("price_old", input);',
  ],
  SubscriptionPriceChange: [
    "What a price migration did to one subscription.",
    'const { data } = await tessera.priceChanges.changes("pmig_123");',
  ],
  AnswerPriceChangeInput: [
    "The customer's answer to a price change that needs consent, with the notice version shown.",
    'const input: AnswerPriceChangeInput = { text_version: "price-2026-12", method: "app" };',
  ],
  PaymentMethod: [
    "A stored payment method: one token per PSP, never card data.",
    'const method: PaymentMethod = await tessera.paymentMethods.retrieve("cus_123", "pm_123");',
  ],
  CreatePaymentMethodInput: [
    "A provider token (per PSP) to store for a customer.",
    'const input: CreatePaymentMethodInput = { providers: [{ name: "stripe", token: "pm_1N\u2026" }] };',
  ],
  PaymentRoutingSettings: [
    "A storefront's routing rules, fees and preferences.",
    "const settings: PaymentRoutingSettings = { rules: [], fees: [], preferences: [] };",
  ],
  PaymentRouting: [
    "A storefront's routing settings as stored.",
    'const routing: PaymentRouting = await tessera.paymentRouting.retrieve("web");',
  ],
  RoutePreviewInput: [
    "A payment to route in a dry run.",
    'const input: RoutePreviewInput = { storefront: "web", amount: 999, currency: "EUR" };',
  ],
  RoutingDecision: [
    "Which PSP was (or would be) chosen, the candidates and their scores.",
    "const decision: RoutingDecision = await tessera.paymentRouting.preview(input);",
  ],
  MetricsSummary: [
    "Subscription metrics now: MRR, ARR, churn, trials, recovery.",
    "const summary: MetricsSummary = await tessera.metrics.summary();",
  ],
  MetricsHistory: [
    "Weekly subscription metrics for charts.",
    "const history: MetricsHistory = await tessera.metrics.history({ weeks: 12 });",
  ],
  MetricsHistoryParams: ["How many weeks of history.", "const params: MetricsHistoryParams = { weeks: 12 };"],
  StartPayPalSubscriptionInput: [
    "A PayPal subscription to start for a customer.",
    'const input: StartPayPalSubscriptionInput = { customer: "cus_123", plan_id: "P-123", return_url, cancel_url };',
  ],
  PayPalSubscriptionStarted: [
    "A PayPal subscription started, with the link the customer approves it at.",
    'const { approval_url }: PayPalSubscriptionStarted = await tessera.channels.startPayPalSubscription("web", input);',
  ],
  CancelVendorSubscriptionInput: [
    "Why a vendor subscription is cancelled.",
    'const input: CancelVendorSubscriptionInput = { reason: "customer asked" };',
  ],
  VendorCancelRequested: [
    "A cancellation sent to the vendor, applied when its notification arrives.",
    'const result: VendorCancelRequested = await tessera.channels.cancelPayPalSubscription("web", "I-123");',
  ],
  StartTelecomAuthorisationInput: [
    "A carrier-billing authorisation to start for a phone number.",
    'const input: StartTelecomAuthorisationInput = { customer: "cus_123", product: "gold", flow: "pin", msisdn: "+4915112345678", country: "DE", channel_code: "de-telekom" };',
  ],
  TelecomAuthorisation: [
    "A carrier-billing authorisation and its charging token.",
    'const auth: TelecomAuthorisation = await tessera.channels.startTelecomAuthorisation("web", input);',
  ],
  TelecomPinInput: ["The PIN the subscriber received by SMS.", 'const input: TelecomPinInput = { pin: "1234" };'],
  AuditRecord: [
    "One record of the audit trail: an action, a decision or an outcome.",
    'const { data }: { data: AuditRecord[] } = await tessera.audit.list({ object_id: "sub_123" });',
  ],
  AuditLineage: [
    "Everything recorded under one correlation id, in order: action → decision → outcome.",
    'const lineage: AuditLineage = await tessera.audit.lineage("req_123");',
  ],
  AuditListParams: ["Filters of the audit trail.", 'const params: AuditListParams = { kind: "decision", limit: 50 };'],
  User: ["A person who signs in, with their memberships.", "const me: User = await session.me();"],
  Member: ["A user of the tenant with their role.", "const { data }: { data: Member[] } = await tessera.users.list();"],
  Session: [
    "One signed-in session of the user.",
    "const { data }: { data: Session[] } = await session.sessions.list();",
  ],
  SessionTokens: [
    "An access token (15 minutes) and a one-use refresh token.",
    'const tokens: SessionTokens = await auth.login({ email: "ada@example.com", password });',
  ],
  Invitation: [
    "An invitation to join a tenant; its token is shown once.",
    'const { token }: Invitation = await tessera.users.invite({ email: "ada@example.com", role: "finance" });',
  ],
  TotpSetup: [
    "A new TOTP secret for an authenticator app.",
    "const { otpauth_url }: TotpSetup = await session.totp.setup();",
  ],
  LoginInput: ["What signing in takes.", 'const input: LoginInput = { email: "ada@example.com", password: "…" };'],
  CreateInvitationInput: [
    "Whom to invite, with which role and environments.",
    'const input: CreateInvitationInput = { email: "ada@example.com", role: "viewer", environments: ["production"] };',
  ],
  AcceptInvitationInput: [
    "Accepting an invitation: its token and a password.",
    'const input: AcceptInvitationInput = { token, password: "a long password" };',
  ],
  UpdateMembershipInput: [
    "A new role or environments for a user.",
    'const input: UpdateMembershipInput = { role: "admin" };',
  ],
  EntitlementClaims: [
    "The payload of an entitlement token.",
    "const claims: EntitlementClaims = (await verifier.verify(token)).claims;",
  ],
  EntitlementClaim: [
    "One value of `ent`: `true` (flag), a tier, a quota or content.",
    'const value: EntitlementClaim | undefined = ent.claims.ent["support"];',
  ],
  TierClaim: [
    "A tier entitlement in a token: level, rank and (optionally) every level.",
    'const tier: TierClaim = { level: "priority", rank: 1, levels: ["basic", "priority"] };',
  ],
  QuotaClaim: [
    "A quota entitlement in a token, as of issue time.",
    'const q: QuotaClaim = { limit: 100, used: 1, remaining: 99, resets_at: 1767225600, period: "month" };',
  ],
  ContentClaim: ["A content entitlement in a token.", 'const c: ContentClaim = { ids: ["course-1"] };'],
  SubscriptionClaim: [
    "A granting subscription in a token.",
    "const [first]: SubscriptionClaim[] = (await verifier.verify(token)).claims.subs;",
  ],
  Entitlement: ["A catalog entitlement.", 'const e: Entitlement = await tessera.entitlements.retrieve("export-pdf");'],
  CreateEntitlementInput: [
    "What `entitlements.create` takes.",
    'await tessera.entitlements.create({ key: "support", name: "Support", kind: "tier", levels: ["basic", "vip"] });',
  ],
  UpdateEntitlementInput: [
    "What `entitlements.update` takes.",
    'await tessera.entitlements.update("support", { name: "Support plan" });',
  ],
  BundleEntitlement: [
    "What a bundle grants of one entitlement.",
    'const grants: BundleEntitlement[] = (await tessera.bundles.retrieve("pro")).entitlements;',
  ],
  BundleEntitlementInput: [
    "One grant of a bundle, as sent.",
    'const grant: BundleEntitlementInput = { key: "api-calls", limit: 10000 };',
  ],
  Price: ["A price of a bundle.", 'const price: Price = await tessera.prices.retrieve("price_123");'],
  CreatePriceInput: [
    "What `prices.create` takes.",
    'await tessera.prices.create("pro", { currency: "EUR", amount: 999, interval: "month" });',
  ],
  UpdatePriceInput: [
    "What `prices.update` takes: only status and nickname change.",
    'await tessera.prices.update("pro", "price_123", { status: "archived" });',
  ],
  Bundle: [
    "A bundle: entitlements sold together, with its prices.",
    'const bundle: Bundle = await tessera.bundles.retrieve("pro");',
  ],
  CreateBundleInput: [
    "What `bundles.create` takes.",
    'await tessera.bundles.create({ key: "pro", name: "Pro", entitlements: [{ key: "export-pdf" }] });',
  ],
  UpdateBundleInput: ["What `bundles.update` takes.", 'await tessera.bundles.update("pro", { name: "Pro plan" });'],
  ProviderConfig: [
    "A payment or fiscal provider of a storefront (credentials never returned).",
    'const [first]: ProviderConfig[] = (await tessera.storefronts.retrieve("web")).payment_providers;',
  ],
  ProviderInput: ["A payment or fiscal provider, as sent.", 'const provider: ProviderInput = { name: "sandbox" };'],
  Storefront: ["A storefront (sales channel).", 'const web: Storefront = await tessera.storefronts.retrieve("web");'],
  CreateStorefrontInput: [
    "What `storefronts.create` takes.",
    'await tessera.storefronts.create({ key: "web", name: "Web shop", type: "web" });',
  ],
  UpdateStorefrontInput: [
    "What `storefronts.update` takes.",
    'await tessera.storefronts.update("web", { bundles: ["pro"] });',
  ],
  ChannelSettings: [
    "A storefront's settings of a subscription channel (which secrets are set, never their values).",
    'const settings: ChannelSettings = await tessera.channels.retrieveSettings("web", "app_store");',
  ],
  ChannelSettingsInput: [
    "What `channels.setSettings` takes.",
    'await tessera.channels.setSettings("web", "app_store", { config: { bundle_id: "com.example.app" } });',
  ],
  ChannelProduct: [
    "A vendor product mapped to one of our prices.",
    'const { data }: { data: ChannelProduct[] } = await tessera.channels.listProducts("web", "app_store");',
  ],
  ChannelProductInput: [
    "What `channels.mapProduct` takes.",
    'await tessera.channels.mapProduct("web", "app_store", "com.example.gold", { price: "price_123" });',
  ],
  CreateChannelLinkInput: [
    "What `channels.link` takes.",
    'await tessera.channels.link("web", "app_store", { vendor_subscription_id: "2000000000000001", customer: "cus_123" });',
  ],
  ChannelLinkResult: [
    "A vendor subscription linked to a customer.",
    'const { retried }: ChannelLinkResult = await tessera.channels.link("web", "app_store", input);',
  ],
  ChannelNotification: [
    "A notification a vendor sent about a subscription, with what it changed.",
    'const { data }: { data: ChannelNotification[] } = await tessera.subscriptions.notifications("sub_123");',
  ],
  Customer: [
    "A customer of a storefront.",
    'const customer: Customer = await tessera.customers.retrieveByExternalId("web", "user-42");',
  ],
  CreateCustomerInput: [
    "What `customers.create` takes.",
    'await tessera.customers.create({ storefront: "web", external_id: "user-42" });',
  ],
  UpdateCustomerInput: [
    "What `customers.update` takes.",
    'await tessera.customers.update("cus_123", { email: "ada@example.com" });',
  ],
  ApiKey: ["An API key (never its secret).", "const keys: ApiKey[] = (await tessera.apiKeys.list()).data;"],
  ApiKeyWithSecret: [
    "A new API key with its secret, shown once.",
    'const { secret }: ApiKeyWithSecret = await tessera.apiKeys.create({ scopes: ["catalog:read"] });',
  ],
  CreateApiKeyInput: [
    "What `apiKeys.create` takes.",
    'await tessera.apiKeys.create({ name: "ci", scopes: ["catalog:read"] });',
  ],
  DeletionResult: [
    "What a DELETE answers: deleted, or archived when still referenced.",
    'const { archived }: DeletionResult = await tessera.bundles.delete("pro");',
  ],
  Deleted: [
    "What deleting a webhook endpoint answers.",
    'const { deleted }: Deleted = await tessera.webhookEndpoints.delete("we_123");',
  ],
  StatusChange: [
    "One entry of a subscription's status history.",
    'const history: StatusChange[] = (await tessera.subscriptions.retrieve("sub_123")).status_history;',
  ],
  PendingPlanChange: [
    "A plan change scheduled for the end of the period.",
    'const pending: PendingPlanChange | null = (await tessera.subscriptions.retrieve("sub_123")).pending_plan_change;',
  ],
  Payment: ["A payment attempt.", 'const payment: Payment = await tessera.payments.retrieve("pay_123");'],
  Subscription: [
    "A customer's subscription to a price, with its status history and latest payment.",
    'const sub: Subscription = await tessera.subscriptions.retrieve("sub_123");',
  ],
  CreateSubscriptionInput: [
    "What `subscriptions.create` takes.",
    'await tessera.subscriptions.create({ customer: "cus_123", price: "price_123", payment_method: "pm_sandbox_ok" });',
  ],
  CancelSubscriptionInput: [
    "What `subscriptions.cancel` takes.",
    'await tessera.subscriptions.cancel("sub_123", { at_period_end: true });',
  ],
  ChangePlanInput: [
    "What `subscriptions.changePlan` takes.",
    'await tessera.subscriptions.changePlan("sub_123", { price: "price_456", proration: "now" });',
  ],
  UpdatePaymentMethodInput: [
    "What `subscriptions.updatePaymentMethod` takes.",
    'await tessera.subscriptions.updatePaymentMethod("sub_123", { payment_method: "pm_sandbox_ok" });',
  ],
  SubscriptionListParams: [
    "Filters and paging of `subscriptions.list`.",
    'await tessera.subscriptions.list({ customer: "cus_123", status: "active" });',
  ],
  PaymentListParams: [
    "Filters and paging of `payments.list`.",
    'await tessera.payments.list({ subscription: "sub_123", status: "failed" });',
  ],
  Dispute: [
    "A chargeback a PSP reported on a payment: open, then won or lost.",
    'const dispute: Dispute = await tessera.disputes.retrieve("dsp_123");',
  ],
  DisputeListParams: [
    "Filters and paging of `disputes.list`.",
    'await tessera.disputes.list({ status: "open", customer: "cus_123" });',
  ],
  CreatePaymentInput: [
    "What `payments.create` takes: `capture: false` only authorizes (capture or void it later).",
    'await tessera.payments.create({ customer: "cus_123", amount: 5000, currency: "EUR", capture: false });',
  ],
  CapturePaymentInput: [
    "What `payments.capture` takes: without an amount, all that is capturable is captured.",
    'await tessera.payments.capture("pay_123", { amount: 3000 });',
  ],
  RefundPaymentInput: [
    "What `payments.refund` takes: without an amount, all that is left is refunded.",
    'await tessera.payments.refund("pay_123", { amount: 500, reason: "goodwill" });',
  ],
  Event: ["A lifecycle event.", 'const event: Event = await tessera.events.retrieve("evt_123");'],
  CustomerEntitlementsUpdate: [
    "The object of a `customer.entitlements_updated` event: the customer's new effective entitlements and the keys added, removed or changed.",
    "if (isEntitlementsUpdatedEvent(event)) await refreshToken(event.data.object.customer, event.data.object.changed);",
  ],
  EventListParams: [
    "Filters and paging of `events.list`.",
    'await tessera.events.list({ type: "subscription.*", object_id: "sub_123" });',
  ],
  TestClock: [
    "An environment's time, and whether a test clock freezes it.",
    "const clock: TestClock = await tessera.testClocks.current();",
  ],
  AdvanceTestClockInput: [
    "What `testClocks.advance` takes: a duration (`by`) or an instant (`to`).",
    'await tessera.testClocks.advance({ by: "P1M" });',
  ],
  WebhookEndpoint: [
    "A webhook endpoint (never its secret).",
    'const endpoint: WebhookEndpoint = await tessera.webhookEndpoints.retrieve("we_123");',
  ],
  WebhookEndpointWithSecret: [
    "A webhook endpoint with its signing secret, shown on creation and rotation only.",
    'const { secret }: WebhookEndpointWithSecret = await tessera.webhookEndpoints.create({ url: "https://example.com/hooks" });',
  ],
  CreateWebhookEndpointInput: [
    "What `webhookEndpoints.create` takes.",
    'await tessera.webhookEndpoints.create({ url: "https://example.com/hooks", enabled_events: ["subscription.*"] });',
  ],
  UpdateWebhookEndpointInput: [
    "What `webhookEndpoints.update` takes.",
    'await tessera.webhookEndpoints.update("we_123", { status: "disabled" });',
  ],
  RotateWebhookSecretInput: [
    "What `webhookEndpoints.rotateSecret` takes.",
    'await tessera.webhookEndpoints.rotateSecret("we_123", { expires_in_hours: 1 });',
  ],
  WebhookAttempt: [
    "One attempt of a webhook delivery.",
    'const attempts: WebhookAttempt[] = (await tessera.webhookEndpoints.deliveries.retrieve("we_123", "whd_123")).attempts;',
  ],
  WebhookDelivery: [
    "A webhook delivery with its attempts.",
    'const delivery: WebhookDelivery = await tessera.webhookEndpoints.deliveries.retrieve("we_123", "whd_123");',
  ],
  WebhookDeliveryListParams: [
    "Filters and paging of `webhookEndpoints.deliveries.list`.",
    'await tessera.webhookEndpoints.deliveries.list("we_123", { status: "failed" });',
  ],
  CustomerEntitlement: [
    "One entitlement as a customer has it now.",
    'const [first]: CustomerEntitlement[] = (await tessera.customerEntitlements.retrieve("cus_123")).entitlements;',
  ],
  EntitlementSubscription: [
    "A subscription granting a customer's entitlements now.",
    'const subs: EntitlementSubscription[] = (await tessera.customerEntitlements.retrieve("cus_123")).subscriptions;',
  ],
  CustomerEntitlements: [
    "A customer's effective entitlements: subscriptions and grants merged.",
    'const ent: CustomerEntitlements = await tessera.customerEntitlements.retrieve("cus_123");',
  ],
  CheckEntitlementInput: [
    "What `customerEntitlements.check` takes.",
    'await tessera.customerEntitlements.check("cus_123", { entitlement: "api-calls", quantity: 1, consume: true });',
  ],
  EntitlementCheck: [
    "An access decision: a refusal is data (`allowed: false` and a code).",
    'const { allowed }: EntitlementCheck = await tessera.customerEntitlements.check("cus_123", { entitlement: "pro" });',
  ],
  IssueTokenInput: [
    "What `customerEntitlements.issueToken` takes.",
    'await tessera.customerEntitlements.issueToken("cus_123", { ttl_seconds: 300 });',
  ],
  EntitlementToken: [
    "A signed entitlement token, to verify offline with `createVerifier`.",
    'const { token }: EntitlementToken = await tessera.customerEntitlements.issueToken("cus_123");',
  ],
  RecordUsageInput: [
    "What `customerEntitlements.recordUsage` takes.",
    'await tessera.customerEntitlements.recordUsage("cus_123", { entitlement: "api-calls", quantity: 3 });',
  ],
  UsageRecord: [
    "Metered use of a quota, as recorded.",
    'const { remaining }: UsageRecord = await tessera.customerEntitlements.recordUsage("cus_123", { entitlement: "api-calls", quantity: 1 });',
  ],
  UsageListParams: [
    "Filters and paging of `customerEntitlements.listUsage`.",
    'await tessera.customerEntitlements.listUsage("cus_123", { entitlement: "api-calls", from: "2026-01-01T00:00:00Z" });',
  ],
  Grant: [
    "A manual grant of an entitlement to a customer.",
    'const grant: Grant = await tessera.grants.retrieve("cus_123", "grt_123");',
  ],
  CreateGrantInput: [
    "What `grants.create` takes.",
    'await tessera.grants.create("cus_123", { entitlement: "export-pdf", reason: "support case 42" });',
  ],
  SigningKey: [
    "A key that signs entitlement tokens (its public half only).",
    "const keys: SigningKey[] = (await tessera.signingKeys.list()).data;",
  ],
  RotateSigningKeyInput: ["What `signingKeys.rotate` takes.", 'await tessera.signingKeys.rotate({ alg: "ES256" });'],
  Jwks: [
    "A JSON Web Key Set: the public keys that verify entitlement tokens.",
    'const jwks: Jwks = await tessera.jwks.retrieve("production");',
  ],
  Environment: [
    "An environment of a tenant.",
    'const envs: Environment[] = (await platform.tenants.retrieve("acme")).environments;',
  ],
  Tenant: ["A tenant with its environments.", 'const tenant: Tenant = await platform.tenants.retrieve("acme");'],
  CreateTenantInput: [
    "What `tenants.create` of the platform client takes.",
    'await platform.tenants.create({ slug: "acme", name: "Acme", environments: ["development", "production"] });',
  ],
  CreateEnvironmentInput: [
    "What `environments.create` of the platform client takes.",
    'await platform.environments.create("acme", { name: "staging" });',
  ],
};

/** The file's full text. */
export function generateTypes(): string {
  const convert = (schema: z.ZodType, io: Io) => z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  // A nested schema with a meta id comes back as a $ref; refer to our generated name when there is one.
  const names: Record<Io, Map<string, string>> = { input: new Map(), output: new Map() };
  for (const [name, schema, io] of TARGETS) {
    const ref = convert(schema, io).$ref;
    if (typeof ref === "string") names[io].set(ref.replace("#/$defs/", ""), name);
  }
  // Schemas without an id (the claim parts) are recognised by shape, so a type refers to them by name.
  const roots = TARGETS.map(([name, schema, io]) => {
    const { $schema: _, ...json } = convert(schema, io);
    const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
    const root = typeof json.$ref === "string" ? (defs[json.$ref.replace("#/$defs/", "")] as JsonSchema) : json;
    return { name, io, defs, root };
  });
  const byShape = new Map(roots.map((r) => [`${r.io}:${JSON.stringify(r.root)}`, r.name]));
  const blocks = roots.map(({ name, io, defs, root }) => {
    const render = (s: JsonSchema, indent: string): string => {
      const known = s === root ? undefined : byShape.get(`${io}:${JSON.stringify(s)}`);
      if (known) return known;
      if (typeof s.$ref === "string") {
        const def = s.$ref.replace("#/$defs/", "");
        return names[io].get(def) ?? render(defs[def] as JsonSchema, indent);
      }
      const union = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
      if (union) return union.map((u) => wrap(render(u, indent))).join(" | ");
      if ("const" in s) return JSON.stringify(s.const);
      if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
      if (Array.isArray(s.type)) return s.type.map((t) => render({ ...s, type: t }, indent)).join(" | ");
      switch (s.type) {
        case "string":
          return "string";
        case "number":
        case "integer":
          return "number";
        case "boolean":
          return "boolean";
        case "null":
          return "null";
        case "array":
          return `${wrap(render((s.items ?? {}) as JsonSchema, indent))}[]`;
        case "object":
          return renderObject(s, indent, render);
        default:
          return "unknown";
      }
    };
    const [summary, example] = DOCS[name] ?? [];
    if (!summary) throw new Error(`no DOCS entry for ${name}`);
    const comment = `/**\n * ${summary}\n *\n * @example\n * ${example}\n */\n`;
    return `${comment}export type ${name} = ${render(root, "")};\n`;
  });
  return `// Generated by scripts/generate-types.ts from @tessera/core's schemas. Do not edit.\n\n${blocks.join("\n")}`;
}

function renderObject(s: JsonSchema, indent: string, render: (s: JsonSchema, indent: string) => string): string {
  const props = s.properties as Record<string, JsonSchema> | undefined;
  const extra = s.additionalProperties;
  if (!props || Object.keys(props).length === 0) {
    return typeof extra === "object" && extra !== null
      ? `Record<string, ${render(extra as JsonSchema, indent)}>`
      : "Record<string, unknown>";
  }
  const required = new Set((s.required ?? []) as string[]);
  const inner = `${indent}  `;
  const lines = Object.entries(props).map(([key, value]) => {
    const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
    return `${doc(value, inner)}${inner}${name}${required.has(key) ? "" : "?"}: ${render(value, inner)};`;
  });
  return `{\n${lines.join("\n")}\n${indent}}`;
}

function wrap(type: string): string {
  return type.includes(" | ") || type.includes("\n") ? `(${type})` : type;
}

function doc(s: JsonSchema, indent: string): string {
  return typeof s.description === "string" ? `${indent}/** ${s.description.replaceAll("*/", "* /")} */\n` : "";
}

/** Writes the types to `file`, formatted by the repository's Biome settings. */
export function writeTypes(file: string): void {
  writeFileSync(file, generateTypes());
  const biome = spawnSync(process.execPath, [biomeBin(), "format", "--write", file], { encoding: "utf8" });
  if (biome.status !== 0) throw new Error(`biome format failed: ${biome.stderr}`);
}

function biomeBin(): string {
  const require = createRequire(import.meta.url);
  return require.resolve("@biomejs/biome/bin/biome");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = fileURLToPath(new URL("../src/generated/types.ts", import.meta.url));
  writeTypes(target);
  console.log(`wrote ${target}`);
}
