import type { PaymentProvider } from "./provider.js";

/**
 * Payment provider adapters by name. A storefront lists providers by name in routing order; only
 * names registered here can be routed to (an unknown name in a storefront is skipped).
 */
export class PaymentProviderRegistry {
  readonly #providers = new Map<string, PaymentProvider>();

  register(provider: PaymentProvider): void {
    if (this.#providers.has(provider.name)) throw new Error(`payment provider ${provider.name} is registered twice`);
    this.#providers.set(provider.name, provider);
  }

  get(name: string): PaymentProvider | undefined {
    return this.#providers.get(name);
  }

  has(name: string): boolean {
    return this.#providers.has(name);
  }

  names(): string[] {
    return [...this.#providers.keys()];
  }
}
