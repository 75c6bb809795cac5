import type { FiscalProvider } from "./port.js";
import { ublProvider } from "./ubl/index.js";

/** Fiscal providers by name; `ubl` is always there (the default for the EU). */
export class FiscalProviderRegistry {
  readonly #providers = new Map<string, FiscalProvider>();

  constructor(providers: FiscalProvider[] = []) {
    this.register(ublProvider);
    for (const p of providers) this.register(p);
  }

  register(provider: FiscalProvider): void {
    this.#providers.set(provider.name, provider);
  }

  find(name: string | null | undefined): FiscalProvider | undefined {
    return name ? this.#providers.get(name) : undefined;
  }

  /** The provider that renders a storefront's documents: its own, else UBL. */
  renderer(name: string | null | undefined): FiscalProvider {
    return this.find(name) ?? ublProvider;
  }
}
