import type { Deps } from "../../context.js";
import { bundleOperations } from "./bundles.js";
import { entitlementOperations } from "./entitlements.js";

/** The catalog: entitlements (what access means) and bundles with prices (what is sold). */
export function catalogService(deps: Deps) {
  return {
    ...entitlementOperations(deps),
    ...bundleOperations(deps),
  };
}

export type CatalogService = ReturnType<typeof catalogService>;
