import { type CreatePaymentMethod, type Customer, looksLikeId, type PaymentMethod } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { Db, PaymentMethodRow, PaymentMethodTokenRow } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import { newId } from "../../lib/ids.js";
import type { EventsService } from "../events/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import type { Adapters } from "./adapters.js";
import * as repo from "./methods-repo.js";
import type { SavedPaymentMethod } from "./provider.js";
import type { PaymentProviderRegistry } from "./registry.js";

/*
 * A customer's stored payment methods. The PSPs vault the card (we never see it) and give each a
 * token of their own; a method vaulted at several PSPs keeps one token per PSP, so routing and
 * failover can move between them. A subscription names the method by its id (`pm_01J…`).
 */

function toPaymentMethod(row: PaymentMethodRow, tokens: PaymentMethodTokenRow[]): PaymentMethod {
  return {
    id: row.id,
    object: "payment_method",
    customer: row.customer_id,
    type: row.type,
    brand: row.brand,
    last4: row.last4,
    exp_month: row.exp_month,
    exp_year: row.exp_year,
    fingerprint: row.fingerprint,
    providers: tokens.filter((t) => t.payment_method_id === row.id).map((t) => t.provider),
    default: row.is_default === 1,
    created_at: row.created_at,
  };
}

/** What charging a payment method needs: its type and its token at each PSP holding it. */
export interface ResolvedMethod {
  type: PaymentMethod["type"];
  /** The card network, as the PSP reported it (network retry caps apply by it). */
  brand: string | null;
  /** PSP name → its token. Empty for a detached method: nothing may charge it. */
  tokens: Map<string, string>;
}

export function paymentMethodsService(
  deps: Deps,
  o: {
    registry: PaymentProviderRegistry;
    adapters: Adapters;
    storefronts: Pick<StorefrontsService, "paymentSettings">;
    customers: { requireCustomer(scope: Scope, id: string): Promise<Customer> };
    events: Pick<EventsService, "record">;
  },
) {
  const { db } = deps;
  const { events } = o;
  const now = (scope: Scope) => scope.clock.now().toISOString();

  async function load(d: Db, scope: Scope, customerId: string, id: string) {
    const row = await repo.findMethod(d, scope, customerId, id);
    if (!row || row.detached_at !== null) throw notFound("payment method", id);
    return toPaymentMethod(row, await repo.listTokens(d, scope, [row.id]));
  }

  /** Vaults the client's token at one PSP; refusals and outages become API errors naming the PSP. */
  async function vault(
    scope: Scope,
    storefrontId: string,
    providers: Awaited<ReturnType<typeof o.storefronts.paymentSettings>>["payment_providers"],
    input: CreatePaymentMethod["providers"][number],
    index: number,
    owner: { customer: string; method: string },
  ): Promise<SavedPaymentMethod> {
    const path = `providers.${index}.name`;
    const config = providers.find((p) => p.name === input.name);
    const adapter = o.registry.get(input.name);
    if (!config || !adapter)
      throw new ApiError("VALIDATION_FAILED", `The storefront does not route payments to ${input.name}`, {
        errors: [{ path, message: "not a payment provider of the customer's storefront" }],
      });
    if (!adapter.capabilities.vaulting)
      throw new ApiError("VALIDATION_FAILED", `${input.name} cannot store payment methods`, {
        errors: [{ path, message: "this provider does not vault payment methods" }],
      });
    const outcome = await adapter.savePaymentMethod(o.adapters.context(scope, storefrontId, config), {
      idempotencyKey: `${owner.method}:vault:${input.name}`,
      customer: owner.customer,
      token: input.token,
    });
    if (outcome.status === "saved") return outcome.method;
    if (outcome.status === "refused")
      throw new ApiError("PAYMENT_METHOD_REFUSED", `${input.name} refused the payment method: ${outcome.code}`, {
        errors: [{ path: `providers.${index}.token`, message: outcome.message, code: outcome.code }],
      });
    throw new ApiError("UNAVAILABLE", `${input.name} could not be reached to store the payment method`, {
      extensions: { provider: input.name },
    });
  }

  return {
    async create(scope: Scope, customerId: string, input: CreatePaymentMethod): Promise<PaymentMethod> {
      const customer = await o.customers.requireCustomer(scope, customerId);
      const storefront = await o.storefronts.paymentSettings(scope, customer.storefront);
      const id = newId("payment_method");
      const saved: Array<{ provider: string; method: SavedPaymentMethod }> = [];
      // One PSP after the other: the first refusal stops, before the others are asked.
      for (const [i, p] of input.providers.entries())
        saved.push({
          provider: p.name,
          method: await vault(scope, storefront.id, storefront.payment_providers, p, i, {
            customer: customer.id,
            method: id,
          }),
        });
      const first = saved[0]!.method;
      const at = now(scope);
      const row: PaymentMethodRow = {
        id,
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        customer_id: customer.id,
        type: "card",
        brand: first.brand,
        last4: first.last4,
        exp_month: first.expMonth,
        exp_year: first.expYear,
        fingerprint: saved.find((s) => s.method.fingerprint)?.method.fingerprint ?? null,
        is_default: 0,
        detached_at: null,
        created_at: at,
        updated_at: at,
      };
      const tokens: PaymentMethodTokenRow[] = saved.map((s) => ({
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        payment_method_id: id,
        provider: s.provider,
        token: s.method.token,
        fingerprint: s.method.fingerprint,
        created_at: at,
      }));
      return db.transaction().execute(async (tx) => {
        await repo.insertMethod(tx, row, tokens);
        if (input.default || !(await repo.hasDefault(tx, scope, customer.id)))
          await repo.setDefault(tx, scope, customer.id, id, at);
        const method = await load(tx, scope, customer.id, id);
        await events.record(tx, scope, { type: "payment_method.attached", object: method });
        return method;
      });
    },

    async list(scope: Scope, customerId: string): Promise<PaymentMethod[]> {
      await o.customers.requireCustomer(scope, customerId);
      const rows = await repo.listMethods(db, scope, customerId);
      const tokens = await repo.listTokens(
        db,
        scope,
        rows.map((r) => r.id),
      );
      return rows.map((r) => toPaymentMethod(r, tokens));
    },

    get: (scope: Scope, customerId: string, id: string) => load(db, scope, customerId, id),

    async makeDefault(scope: Scope, customerId: string, id: string): Promise<PaymentMethod> {
      return db.transaction().execute(async (tx) => {
        await load(tx, scope, customerId, id);
        await repo.setDefault(tx, scope, customerId, id, now(scope));
        const method = await load(tx, scope, customerId, id);
        await events.record(tx, scope, { type: "payment_method.updated", object: method });
        return method;
      });
    },

    /** Detached methods are never charged again; payments that named them keep the id. */
    async detach(scope: Scope, customerId: string, id: string): Promise<PaymentMethod> {
      return db.transaction().execute(async (tx) => {
        const method = await load(tx, scope, customerId, id);
        if (!(await repo.detach(tx, scope, id, now(scope)))) throw notFound("payment method", id);
        const detached = { ...method, default: false };
        await events.record(tx, scope, { type: "payment_method.detached", object: detached });
        return detached;
      });
    },

    /**
     * The tokens behind a payment's `payment_method`: a stored method of the customer (by id), or
     * undefined for a provider token given directly (every PSP is asked with it, as before).
     */
    async resolve(d: Db, scope: Scope, customerId: string, paymentMethod: string): Promise<ResolvedMethod | undefined> {
      if (!looksLikeId(paymentMethod, "payment_method")) return undefined;
      const row = await repo.findMethod(d, scope, customerId, paymentMethod);
      if (!row) return undefined;
      if (row.detached_at !== null) return { type: row.type, brand: row.brand, tokens: new Map() };
      const tokens = await repo.listTokens(d, scope, [row.id]);
      return { type: row.type, brand: row.brand, tokens: new Map(tokens.map((t) => [t.provider, t.token])) };
    },
  };
}

export type PaymentMethodsService = ReturnType<typeof paymentMethodsService>;
