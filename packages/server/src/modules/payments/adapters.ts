import type { ProviderConfig } from "@tessera/core";
import type { Scope } from "../../context.js";
import type { PaymentRow } from "../../db/types.js";
import type { StorefrontsService } from "../storefronts/service.js";
import type { Routing } from "./model.js";
import type { PaymentProvider, ProviderContext, RetrieveOutcome } from "./provider.js";
import type { PaymentProviderRegistry } from "./registry.js";

/** Finding the adapter for a payment and building the context it runs in. */
export interface Adapters {
  get(name: string): PaymentProvider;
  context(scope: Scope, storefrontId: string, config: ProviderConfig): ProviderContext;
  /** The storefront's settings for a provider, or empty ones when it was removed since. */
  configFor(route: Routing, name: string): ProviderConfig;
  fallbackConfig(name: string): ProviderConfig;
  retrieve(scope: Scope, route: Routing, payment: PaymentRow): Promise<RetrieveOutcome>;
}

export function adaptersOf(
  registry: PaymentProviderRegistry,
  storefronts: Pick<StorefrontsService, "providerCredentials">,
): Adapters {
  const fallbackConfig = (name: string): ProviderConfig => ({ name, config: {}, has_credentials: false });
  const a: Adapters = {
    get(name) {
      const provider = registry.get(name);
      // A payment routed to a provider this process does not have: a deployment error, retried later.
      if (!provider) throw new Error(`payment provider ${name} is not registered`);
      return provider;
    },
    context(scope, storefrontId, config) {
      return {
        scope,
        config: config.config,
        credentials: () => storefronts.providerCredentials(scope, storefrontId, config.name),
      };
    },
    configFor: (route, name) => route.providers.find((p) => p.name === name) ?? fallbackConfig(name),
    fallbackConfig,
    retrieve(scope, route, payment) {
      return a
        .get(payment.provider)
        .retrieve(a.context(scope, route.storefrontId, a.configFor(route, payment.provider)), {
          idempotencyKey: payment.idempotency_key,
          reference: payment.provider_reference,
        });
    },
  };
  return a;
}
