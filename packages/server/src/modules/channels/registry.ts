import type { ChannelName } from "@tessera/core";
import type { ChannelAdapter } from "./port.js";

/** Channel adapters by name, injected through createApp's deps like payment providers. */
export class ChannelRegistry {
  readonly #adapters = new Map<ChannelName, ChannelAdapter>();

  register(adapter: ChannelAdapter): void {
    if (this.#adapters.has(adapter.name)) throw new Error(`channel ${adapter.name} is registered twice`);
    this.#adapters.set(adapter.name, adapter);
  }

  get(name: ChannelName): ChannelAdapter | undefined {
    return this.#adapters.get(name);
  }

  names(): ChannelName[] {
    return [...this.#adapters.keys()];
  }
}
