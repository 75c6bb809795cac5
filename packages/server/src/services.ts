import type { Deps } from "./context.js";
import { withSystemAccess } from "./db/access.js";
import { JobRegistry } from "./jobs/registry.js";
import { createWorker, type Worker } from "./jobs/worker.js";
import { authService } from "./modules/auth/service.js";
import { catalogService } from "./modules/catalog/service.js";
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
  options: { workerPollMs?: number; workerLockMs?: number; webhooks?: WebhookOptions } = {},
) {
  const jobs = new JobRegistry();
  const tenancy = tenancyService(deps);
  const auth = authService(deps);
  const catalog = catalogService(deps);
  const events = eventsService(deps);
  const storefronts = storefrontsService(deps, { catalog });
  const customers = customersService(deps, { storefronts, events });
  // Payment providers by name; a storefront routes to the registered ones it lists, in order.
  const paymentProviders = new PaymentProviderRegistry();
  paymentProviders.register(sandboxProvider(deps.db));
  const payments = paymentsService(deps, { registry: paymentProviders, storefronts, events });
  const subscriptions = subscriptionsService(deps, { catalog, customers, storefronts, events, payments, jobs });
  // Effective entitlements merge granting subscriptions and manual grants.
  const entitlements = entitlementsService(deps, {
    catalog,
    customers,
    events,
    listEntitlementSources: (scope, customerId) => subscriptions.listEntitlementSources(scope, customerId),
  });
  const worker = systemWorker(
    createWorker({
      deps,
      handlers: () => jobs.handlers(),
      scopeOf: (environmentId) => tenancy.scopeForEnvironment(environmentId),
      ...(options.workerPollMs ? { pollMs: options.workerPollMs } : {}),
      ...(options.workerLockMs ? { lockMs: options.workerLockMs } : {}),
    }),
  );
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
    testClocks,
    webhooks,
    entitlements,
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
    stop: () => worker.stop(),
  };
}
