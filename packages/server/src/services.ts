import type { Deps } from "./context.js";
import { JobRegistry } from "./jobs/registry.js";
import { createWorker } from "./jobs/worker.js";
import { auditService } from "./modules/audit/service.js";
import { authService } from "./modules/auth/service.js";
import { catalogService } from "./modules/catalog/service.js";
import { personalDataVault } from "./modules/customers/personal-data.js";
import { customersService } from "./modules/customers/service.js";
import { entitlementsService } from "./modules/entitlements/service.js";
import { eventsService } from "./modules/events/service.js";
import { sandboxProvider } from "./modules/payments/providers/sandbox.js";
import { PaymentProviderRegistry } from "./modules/payments/registry.js";
import { paymentsService } from "./modules/payments/service.js";
import { storefrontsService } from "./modules/storefronts/service.js";
import { subscriptionsService } from "./modules/subscriptions/service.js";
import { tenancyService } from "./modules/tenancy/service.js";
import { testClocksService } from "./modules/test-clocks/service.js";
import { type WebhookOptions, webhooksService } from "./modules/webhooks/service.js";

/** Every domain service, built once per app from the same deps. */
export function createServices(
  deps: Deps,
  options: {
    workerPollMs?: number;
    workerLockMs?: number;
    webhooks?: WebhookOptions;
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
  const auth = authService(deps, { events });
  const catalog = catalogService(deps, { events });
  const storefronts = storefrontsService(deps, { catalog, events });
  const customers = customersService(deps, { storefronts, events, personalData });
  // Payment providers by name; a storefront routes to the registered ones it lists, in order.
  const paymentProviders = new PaymentProviderRegistry();
  paymentProviders.register(sandboxProvider(deps.db));
  const payments = paymentsService(deps, { registry: paymentProviders, storefronts, events });
  const subscriptions = subscriptionsService(deps, { catalog, customers, storefronts, events, payments, jobs, audit });
  // Effective entitlements merge granting subscriptions and manual grants.
  const entitlements = entitlementsService(deps, {
    catalog,
    customers,
    events,
    jobs,
    listEntitlementSources: (scope, customerId) => subscriptions.listEntitlementSources(scope, customerId),
  });
  const worker = createWorker({
    deps,
    handlers: () => jobs.handlers(),
    scopeOf: (environmentId) => tenancy.scopeForEnvironment(environmentId),
    // A job's writes have committed: hand the events it recorded to their consumers.
    afterJob: (scope) => events.afterCommit(scope),
    ...(options.workerPollMs ? { pollMs: options.workerPollMs } : {}),
    ...(options.workerLockMs ? { lockMs: options.workerLockMs } : {}),
  });
  const testClocks = testClocksService(deps, { tenancy, events, worker });
  const webhooks = webhooksService(deps, { events, jobs }, options.webhooks);
  return {
    jobs,
    worker,
    tenancy,
    auth,
    catalog,
    storefronts,
    customers,
    payments,
    subscriptions,
    events,
    audit,
    testClocks,
    webhooks,
    entitlements,
  };
}

export type Services = ReturnType<typeof createServices>;
