import type { JobHandler } from "./worker.js";

/** Job types and their handlers: each module registers its own when its service is built. */
export class JobRegistry {
  readonly #handlers: Record<string, JobHandler> = {};

  register(type: string, handler: JobHandler): void {
    if (this.#handlers[type]) throw new Error(`job type ${type} is registered twice`);
    this.#handlers[type] = handler;
  }

  handlers(): Record<string, JobHandler> {
    return this.#handlers;
  }
}
