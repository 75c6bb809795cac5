import { TOKEN_DEFAULT_TTL_SECONDS } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { JobRegistry } from "../../jobs/registry.js";
import type { CatalogService } from "../catalog/service.js";
import type { CustomersService } from "../customers/service.js";
import type { EventsService } from "../events/service.js";
import { entitlementResolver, type ListEntitlementSources, toCustomerEntitlements } from "./effective.js";
import { grantOperations } from "./grants.js";
import { createEntitlementPush } from "./push.js";
import { ROTATION_LEAD_SECONDS, signingKeyOperations } from "./signing-keys.js";
import { type TokenSettings, tokenOperations } from "./tokens.js";
import { usageOperations } from "./usage.js";
import { usageListing } from "./usage-records.js";

export interface EntitlementsServiceDeps {
  catalog: Pick<CatalogService, "bundleEntitlements" | "findBundles" | "findEntitlement" | "findEntitlementsByKeys">;
  customers: Pick<CustomersService, "requireCustomer">;
  events: Pick<EventsService, "record" | "subscribe">;
  /** Where the entitlement-push consumer registers its jobs (push.ts). */
  jobs: JobRegistry;
  /** The subscriptions module's `listEntitlementSources`; without it only manual grants grant. */
  listEntitlementSources?: ListEntitlementSources | undefined;
}

/**
 * A customer's effective entitlements (DESIGN §1 merge of granting subscriptions and manual
 * grants), metered usage and atomic checks, and the signed tokens of DESIGN §5 with their keys.
 */
export function entitlementsService(deps: Deps, services: EntitlementsServiceDeps) {
  const settings = (): TokenSettings => ({
    ttlSeconds: deps.tokens?.ttlSeconds ?? TOKEN_DEFAULT_TTL_SECONDS,
    issuer: deps.tokens?.issuer,
  });
  const resolve = entitlementResolver(deps, services);
  const push = createEntitlementPush(deps, { resolve, events: services.events, jobs: services.jobs });
  const keys = signingKeyOperations(
    deps,
    () => settings().ttlSeconds,
    services.events,
    () => deps.tokens?.rotationLeadSeconds ?? ROTATION_LEAD_SECONDS,
  );
  return {
    resolve,
    async getEntitlements(scope: Scope, customerId: string) {
      return toCustomerEntitlements(await resolve(scope, customerId));
    },
    ...grantOperations(deps, services),
    ...usageOperations(deps, { catalog: services.catalog, resolve }),
    ...usageListing(deps, { catalog: services.catalog, resolve }),
    ...tokenOperations(deps, { resolve, keys, settings }),
    ...keys,
    ...push,
  };
}

export type EntitlementsService = ReturnType<typeof entitlementsService>;
