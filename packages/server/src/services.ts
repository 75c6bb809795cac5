import type { Deps } from "./context.js";
import { withSystemAccess } from "./db/access.js";
import { ApiError } from "./errors.js";
import { createRateLimits, DEFAULT_RATE_LIMITS, type RateLimitOptions } from "./http/rate-limit.js";
import { JobRegistry } from "./jobs/registry.js";
import { createWorker, type Worker, type WorkerTuning } from "./jobs/worker.js";
import { auditService } from "./modules/audit/service.js";
import { authService } from "./modules/auth/service.js";
import { campaignTriggersConsumer } from "./modules/campaigns/index.js";
import { campaignsService } from "./modules/campaigns/service.js";
import { catalogService } from "./modules/catalog/service.js";
import { appStoreChannel } from "./modules/channels/app-store/adapter.js";
import { directChannel } from "./modules/channels/direct/adapter.js";
import { channelFlows } from "./modules/channels/flows.js";
import { payPalChannel } from "./modules/channels/paypal/adapter.js";
import { playStoreChannel } from "./modules/channels/play-store/adapter.js";
import type { ChannelAdapter } from "./modules/channels/port.js";
import { ChannelRegistry } from "./modules/channels/registry.js";
import { channelsService } from "./modules/channels/service.js";
import { channelSettingsService } from "./modules/channels/settings.js";
import { telecomChannel } from "./modules/channels/telecom/adapter.js";
import { consentsService } from "./modules/consents/service.js";
import { personalDataVault } from "./modules/customers/personal-data.js";
import { customersService } from "./modules/customers/service.js";
import { entitlementsService } from "./modules/entitlements/service.js";
import { eventsService } from "./modules/events/service.js";
import { invoicingConsumer } from "./modules/invoicing/consumer.js";
import type { FiscalProvider } from "./modules/invoicing/fiscal/port.js";
import { FiscalProviderRegistry } from "./modules/invoicing/fiscal/registry.js";
import { trEarsivProvider } from "./modules/invoicing/fiscal/tr-earsiv/index.js";
import { taxedAmounts } from "./modules/invoicing/index.js";
import { invoicingService } from "./modules/invoicing/service.js";
import { metricsService } from "./modules/metrics/service.js";
import { providerInboxService } from "./modules/payments/inbox.js";
import type { PaymentProvider } from "./modules/payments/provider.js";
import { defaultPaymentProviders } from "./modules/payments/providers/index.js";
import { PaymentProviderRegistry } from "./modules/payments/registry.js";
import { paymentsService } from "./modules/payments/service.js";
import { priceChangesService } from "./modules/price-changes/service.js";
import { registerPrivacyHandlers } from "./modules/privacy/handlers.js";
import { retentionService } from "./modules/privacy/retention.js";
import { privacyService } from "./modules/privacy/service.js";
import { safeModeService } from "./modules/safe-mode/service.js";
import { storefrontsService } from "./modules/storefronts/service.js";
import { subscriptionsService } from "./modules/subscriptions/service.js";
import { tenancyService } from "./modules/tenancy/service.js";
import { testClocksService } from "./modules/test-clocks/service.js";
import { trialsService } from "./modules/trials/service.js";
import type { PasswordResetSender } from "./modules/users/password-resets.js";
import { usersService } from "./modules/users/service.js";
import { type WebhookOptions, webhooksService } from "./modules/webhooks/service.js";

/** Every domain service, built once per app from the same deps. */
export function createServices(
  deps: Deps,
  options: {
    /** Concurrency, leases and limits of the worker (jobs/settings.ts reads them from the config). */
    worker?: WorkerTuning;
    webhooks?: WebhookOptions;
    /** Off unless given: the runtime turns them on from config (tests send bursts on purpose). */
    rateLimits?: RateLimitOptions;
    /** The payment adapters, built at the composition root; the sandbox alone when absent. */
    providers?: PaymentProvider[];
    /** Channel adapters beyond `direct` (App Store, Play, … or a test's in-memory vendor). */
    channels?: ChannelAdapter[];
    /** How password reset tokens reach users (e-mail); without it `forgot` sends nothing. */
    sendPasswordReset?: PasswordResetSender;
    /** Fiscal providers beyond `ubl` (tr-earsiv, or a test's), by name. */
    fiscalProviders?: FiscalProvider[];
    /** Audit records per tenant between checkpoints made by appends (default 100). */
    auditCheckpointEvery?: number;
  } = {},
) {
  const jobs = new JobRegistry();
  // Personal fields in immutable rows are sealed per customer, so erasure can destroy them.
  const personalData = personalDataVault(deps);
  const events = eventsService(deps, { jobs, personalData });
  // Every committed event becomes an action in its tenant's hash chain; billing records decisions.
  const audit = auditService(deps, {
    events,
    jobs,
    ...(options.auditCheckpointEvery ? { checkpointEvery: options.auditCheckpointEvery } : {}),
  });
  const tenancy = tenancyService(deps);
  const auth = authService(deps, { events, tenancy });
  const users = usersService(deps, { audit, sendPasswordReset: options.sendPasswordReset });
  const catalog = catalogService(deps, { events });
  const storefronts = storefrontsService(deps, { catalog, events });
  const customers = customersService(deps, { storefronts, events });
  // Payment providers by name; a storefront routes to the registered ones it lists, in order.
  const paymentProviders = new PaymentProviderRegistry();
  for (const provider of options.providers ?? defaultPaymentProviders({ db: deps.db, fetch, clock: deps.clock }))
    paymentProviders.register(provider);
  const payments = paymentsService(deps, { registry: paymentProviders, storefronts, customers, events, jobs, audit });
  // The operator's switch holding new charges of a provider or environment (a charge guard).
  const safeMode = safeModeService(deps, { events, payments });
  // What providers push to us: verified into an inbox, applied by a job.
  const providerInbox = providerInboxService(deps, {
    registry: paymentProviders,
    storefronts,
    events,
    jobs,
    scopeOf: (environmentId) => tenancy.scopeForEnvironment(environmentId),
  });
  const subscriptions = subscriptionsService(deps, { catalog, customers, storefronts, events, payments, jobs, audit });
  // Trial eligibility per storefront: checked when a subscription asks for a trial.
  const trials = trialsService(deps, { customers, catalog, storefronts, events });
  subscriptions.registerTrialGate(trials);
  // Coupons, promotion codes and triggered offers: redeemed at creation, taken off every charge.
  const campaigns = campaignsService(deps, { customers, catalog, events, payments, jobs, audit });
  campaigns.bindSubscriptions(subscriptions);
  subscriptions.registerCampaigns(campaigns);
  events.subscribe(campaignTriggersConsumer(campaigns));
  // Effective entitlements merge granting subscriptions and manual grants.
  const entitlements = entitlementsService(deps, {
    catalog,
    customers,
    events,
    jobs,
    listEntitlementSources: (scope, customerId) => subscriptions.listEntitlementSources(scope, customerId),
  });
  // Invoices and credit notes follow captured charges and refunds, after commit (docs/invoicing.md).
  const invoicing = invoicingService(deps, {
    storefronts,
    customers,
    subscriptions,
    catalog,
    payments,
    events,
    jobs,
    // `ubl` is built in; tr-earsiv talks to its integrator with the process's fetch.
    fiscal: new FiscalProviderRegistry([trEarsivProvider({ fetch }), ...(options.fiscalProviders ?? [])]),
  });
  events.subscribe(invoicingConsumer(invoicing));
  // Tax-exclusive prices are charged net + tax, decided as their invoices decide it.
  subscriptions.registerTax(taxedAmounts(deps, { customers }));
  // PSPs that report the buyer (iyzico) read the customer's billing details; none is not an error.
  payments.registerBillingDetails((scope, customerId) =>
    invoicing.getBillingDetails(scope, customerId).catch((error: unknown) => {
      if (error instanceof ApiError && error.code === "NOT_FOUND") return null;
      throw error;
    }),
  );
  invoicing.registerDiscounts((scope, payment) => campaigns.discountOfPayment(scope, payment));
  const worker = systemWorker(
    createWorker({
      deps,
      handlers: () => jobs.handlers(),
      scopeOf: (environmentId) => tenancy.scopeForEnvironment(environmentId),
      // A job's writes have committed: hand the events it recorded to their consumers.
      afterJob: (scope) => events.afterCommit(scope),
      ...options.worker,
    }),
  );
  // Exports and erasure across every module: each contributes one privacy handler.
  const privacy = privacyService(deps, { customers, subscriptions, events, jobs });
  const consents = consentsService(deps, { customers, events });
  // Price changes for existing subscribers: applied by billing at the renewal, answered through consents.
  const priceChanges = priceChangesService(deps, { catalog, storefronts, subscriptions, consents, events, jobs });
  const retention = retentionService(deps, {
    privacy,
    events,
    jobs,
    scopeOf: (environmentId) => tenancy.scopeForEnvironment(environmentId),
  });
  registerPrivacyHandlers(privacy, deps, personalData);
  const testClocks = testClocksService(deps, { tenancy, events, worker });
  const webhooks = webhooksService(deps, { events, jobs }, options.webhooks);
  const rateLimits = createRateLimits(deps, options.rateLimits ?? { ...DEFAULT_RATE_LIMITS, enabled: false });
  const channelRegistry = new ChannelRegistry();
  // A test (or a deployment) may replace a built-in adapter by registering one of the same name.
  const extra = options.channels ?? [];
  const paypal = payPalChannel({ fetch, clock: deps.clock });
  const telecom = telecomChannel({ fetch, clock: deps.clock });
  for (const builtIn of [directChannel, appStoreChannel(), playStoreChannel(), paypal, telecom])
    if (!extra.some((a) => a.name === builtIn.name)) channelRegistry.register(builtIn);
  for (const adapter of extra) channelRegistry.register(adapter);
  const channelSettings = channelSettingsService(deps, { registry: channelRegistry, storefronts, catalog, events });
  const channels = channelsService(deps, {
    registry: channelRegistry,
    catalog,
    customers,
    storefronts,
    subscriptions,
    jobs,
    settings: channelSettings.load,
    events,
    scopeOf: (environmentId) => tenancy.scopeForEnvironment(environmentId),
  });
  // Read-only figures over billing's rows (docs/metrics.md).
  const metrics = metricsService(deps);
  const flows = channelFlows(deps, {
    customers,
    storefronts,
    channels,
    settings: channelSettings.load,
    paypal: (channelRegistry.get("paypal") as typeof paypal | undefined)?.api ?? paypal.api,
    telecom: (channelRegistry.get("telecom") as typeof telecom | undefined)?.api ?? telecom.api,
  });
  return {
    rateLimits,
    jobs,
    worker,
    tenancy,
    auth,
    users,
    catalog,
    storefronts,
    customers,
    payments,
    invoicing,
    providerInbox,
    subscriptions,
    events,
    audit,
    testClocks,
    webhooks,
    entitlements,
    channels,
    metrics,
    channelSettings,
    channelFlows: flows,
    privacy,
    consents,
    priceChanges,
    retention,
    trials,
    safeMode,
    campaigns,
  };
}

export type Services = ReturnType<typeof createServices>;

/**
 * Claiming due jobs spans tenants, so the worker's loop runs with system access (its timers keep
 * it); each scoped job's handler then runs in its own scope (JobRegistry).
 */
function systemWorker(worker: Worker): Worker {
  return {
    id: worker.id,
    drain: (options) => withSystemAccess(() => worker.drain(options)),
    start: () => withSystemAccess(() => worker.start()),
    // Releasing claims spans tenants too (stop is called from a signal handler, outside any access).
    stop: (options) => withSystemAccess(() => worker.stop(options)),
  };
}
