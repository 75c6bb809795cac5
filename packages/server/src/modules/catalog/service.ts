import type { Deps } from "../../context.js";
import type { EventsService } from "../events/service.js";
import { bundleOperations } from "./bundles.js";
import { entitlementOperations } from "./entitlements.js";

/** The catalog: entitlements (what access means) and bundles with prices (what is sold). */
export function catalogService(deps: Deps, { events }: { events: Pick<EventsService, "record"> }) {
  return {
    ...entitlementOperations(deps, events),
    ...bundleOperations(deps, events),
  };
}

export type CatalogService = ReturnType<typeof catalogService>;
