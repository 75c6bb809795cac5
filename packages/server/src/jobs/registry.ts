import { withTenantAccess } from "../db/access.js";
import type { JobHandler } from "./worker.js";

/** Job types and their handlers: each module registers its own when its service is built. */
export class JobRegistry {
  readonly #handlers: Record<string, JobHandler> = {};

  register(type: string, handler: JobHandler): void {
    if (this.#handlers[type]) throw new Error(`job type ${type} is registered twice`);
    // A scoped job sees its own tenant's rows only, whoever claimed it (claiming is system work).
    this.#handlers[type] = (ctx) => (ctx.scope ? withTenantAccess(ctx.scope, () => handler(ctx)) : handler(ctx));
  }

  handlers(): Record<string, JobHandler> {
    return this.#handlers;
  }
}
