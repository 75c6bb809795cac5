import type { Deps } from "../../../context.js";
import type { PaymentProvider, ProviderDeps } from "../provider.js";
import { adyenProvider } from "./adyen/index.js";
import { braintreeProvider } from "./braintree/index.js";
import { iyzicoProvider } from "./iyzico/index.js";
import { paypalProvider } from "./paypal/index.js";
import { sandboxProvider } from "./sandbox.js";
import { stripeProvider } from "./stripe/index.js";

/**
 * The adapters a process runs with unless the composition root passes its own list
 * (`createApp(deps, { providers })`). Real adapters join here, each built from its factory with
 * the deps it needs; a storefront then routes to the ones it lists.
 */
export function defaultPaymentProviders(deps: ProviderDeps): PaymentProvider[] {
  if (!deps.db) throw new Error("the sandbox provider keeps its books in the database: pass db");
  return [
    sandboxProvider(deps.db),
    stripeProvider(deps),
    adyenProvider(deps),
    braintreeProvider(deps),
    paypalProvider(deps),
    iyzicoProvider(deps),
  ];
}

/** The production list for a process (serve, worker, CLI): the composition root's one place for it. */
export function paymentProvidersOf(deps: Pick<Deps, "db" | "clock">): PaymentProvider[] {
  return defaultPaymentProviders({ db: deps.db, fetch: globalThis.fetch, clock: deps.clock });
}
