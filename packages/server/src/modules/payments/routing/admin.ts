import {
  type Customer,
  type PaymentRoutingSettings,
  type PaymentRoutingSettingsInput,
  type RoutePreview,
  type RoutingDecision,
  PaymentRoutingSettings as SettingsSchema,
} from "@tessera/core";
import type { Scope } from "../../../context.js";
import type { Db } from "../../../db/types.js";
import { ApiError } from "../../../errors.js";
import type { EventsService } from "../../events/service.js";
import type { StorefrontsService } from "../../storefronts/service.js";
import type { ResolvedMethod } from "../methods.js";
import type { Routing } from "../model.js";
import type { PaymentRouter } from "./router.js";
import { readRoutingSettings, writeRoutingSettings } from "./settings.js";

/* The routing settings API and the dry run: what would be chosen and why, charging nothing. */

export function routingAdmin(o: {
  db: Db;
  router: PaymentRouter;
  storefronts: Pick<StorefrontsService, "paymentSettings">;
  customers: { requireCustomer(scope: Scope, id: string): Promise<Customer> };
  events: Pick<EventsService, "record">;
  routing(scope: Scope, storefrontRef: string): Promise<Routing>;
  resolveMethod(d: Db, scope: Scope, customerId: string, paymentMethod: string): Promise<ResolvedMethod | undefined>;
}) {
  const view = (storefrontId: string, settings: PaymentRoutingSettings) => ({
    object: "payment_routing" as const,
    storefront: storefrontId,
    ...settings,
  });

  /** Every provider the settings name must be one the storefront routes to: a typo would silently never match. */
  function checkNames(settings: PaymentRoutingSettings, names: Set<string>) {
    const errors: Array<{ path: string; message: string }> = [];
    const check = (name: string, path: string) => {
      if (!names.has(name)) errors.push({ path, message: `${name} is not a payment provider of this storefront` });
    };
    for (const [i, r] of settings.rules.entries())
      for (const [j, n] of r.providers.entries()) check(n, `rules.${i}.providers.${j}`);
    for (const [i, f] of settings.fees.entries()) check(f.provider, `fees.${i}.provider`);
    for (const [i, g] of settings.geography.entries())
      for (const [j, n] of g.providers.entries()) check(n, `geography.${i}.providers.${j}`);
    if (errors.length)
      throw new ApiError("VALIDATION_FAILED", "The routing settings name unknown providers", { errors });
  }

  return {
    async get(scope: Scope, storefrontRef: string) {
      const storefront = await o.storefronts.paymentSettings(scope, storefrontRef);
      return view(storefront.id, await readRoutingSettings(o.db, scope, storefront.id));
    },

    async put(scope: Scope, storefrontRef: string, input: PaymentRoutingSettingsInput) {
      const storefront = await o.storefronts.paymentSettings(scope, storefrontRef);
      const settings = SettingsSchema.parse(input);
      checkNames(settings, new Set(storefront.payment_providers.map((p) => p.name)));
      const result = view(storefront.id, settings);
      await o.db.transaction().execute(async (tx) => {
        await writeRoutingSettings(tx, scope, storefront.id, settings, scope.clock.now().toISOString());
        await o.events.record(tx, scope, {
          type: "storefront.payment_routing_updated",
          object: { id: storefront.id, ...result },
        });
      });
      return result;
    },

    async preview(scope: Scope, input: RoutePreview): Promise<RoutingDecision> {
      const route = await o.routing(scope, input.storefront);
      const customer = input.customer ? await o.customers.requireCustomer(scope, input.customer) : undefined;
      if (customer && customer.storefront !== route.storefrontId)
        throw new ApiError("VALIDATION_FAILED", "The customer belongs to another storefront", {
          errors: [{ path: "customer", message: "not a customer of this storefront" }],
        });
      let method: ResolvedMethod | undefined;
      if (input.payment_method) {
        if (!customer)
          throw new ApiError("VALIDATION_FAILED", "payment_method needs the customer it belongs to", {
            errors: [{ path: "customer", message: "required with payment_method" }],
          });
        method = await o.resolveMethod(o.db, scope, customer.id, input.payment_method);
        if (!method)
          throw new ApiError("VALIDATION_FAILED", `The customer has no payment method ${input.payment_method}`, {
            errors: [{ path: "payment_method", message: "not a stored payment method of the customer" }],
          });
      }
      return o.router.plan(o.db, scope, route, {
        country: input.country ?? customer?.country ?? null,
        currency: input.currency,
        amount: input.amount,
        channel: input.channel,
        method,
      });
    },
  };
}
