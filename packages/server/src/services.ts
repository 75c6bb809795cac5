import type { Deps } from "./context.js";
import { authService } from "./modules/auth/service.js";
import { catalogService } from "./modules/catalog/service.js";
import { tenancyService } from "./modules/tenancy/service.js";

/** Every domain service, built once per app from the same deps. */
export function createServices(deps: Deps) {
  const tenancy = tenancyService(deps);
  const auth = authService(deps);
  const catalog = catalogService(deps);
  return { tenancy, auth, catalog };
}

export type Services = ReturnType<typeof createServices>;
