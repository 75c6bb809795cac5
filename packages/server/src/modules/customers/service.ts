import type { CreateCustomer, Customer, DeletionResult, Storefront, UpdateCustomer } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { CustomerRow, Db } from "../../db/types.js";
import { ApiError, isUniqueViolation, notFound } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import { type Page, type PageQuery, toPage } from "../../lib/pagination.js";
import type { EventsService } from "../events/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import * as repo from "./repo.js";

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    object: "customer",
    storefront: row.storefront_id,
    external_id: row.external_id,
    email: row.email,
    name: row.name,
    country: row.country,
    metadata: fromJson(row.metadata, {}),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

type StorefrontLookup = Pick<StorefrontsService, "findStorefront" | "requireStorefront" | "registerStorefrontUsage">;

/**
 * Customers belong to one storefront, where the merchant's own `external_id` names them uniquely.
 * Their times come from the environment's clock (a test clock moves them), and every change is
 * recorded as a customer.* event in the same transaction.
 */
export function customersService(
  deps: Deps,
  { storefronts, events }: { storefronts: StorefrontLookup; events: Pick<EventsService, "record"> },
) {
  const { db } = deps;
  // A storefront with customers is archived rather than deleted.
  storefronts.registerStorefrontUsage((d, scope, storefrontId) => repo.storefrontHasCustomers(d, scope, storefrontId));
  // Modules whose records name a customer (subscriptions, payments) refuse its deletion: money records are kept.
  const usageChecks: Array<(d: Db, scope: Scope, customerId: string) => Promise<boolean>> = [];

  /** A storefront named in a body or query: unknown is a field error (400), not a missing resource (404). */
  async function storefrontField(scope: Scope, ref: string, path: string): Promise<Storefront> {
    const storefront = await storefronts.findStorefront(scope, ref);
    if (!storefront) {
      throw new ApiError("VALIDATION_FAILED", `No storefront "${ref}"`, {
        errors: [{ path, message: `no storefront "${ref}" in this environment` }],
      });
    }
    return storefront;
  }

  async function require(scope: Scope, id: string): Promise<CustomerRow> {
    const row = await repo.findCustomer(db, scope, id);
    if (!row) throw notFound("customer", id);
    return row;
  }

  return {
    /** For modules whose records name customers; a customer they name cannot be deleted. Call once, when built. */
    registerCustomerUsage(check: (d: Db, scope: Scope, customerId: string) => Promise<boolean>): void {
      usageChecks.push(check);
    },

    async createCustomer(scope: Scope, input: CreateCustomer): Promise<Customer> {
      const storefront = await storefrontField(scope, input.storefront, "storefront");
      if (storefront.status === "archived") {
        throw new ApiError("OBJECT_ARCHIVED", `Storefront "${storefront.key}" is archived and takes no new customers`, {
          errors: [{ path: "storefront", message: "is archived" }],
        });
      }
      const now = isoNow(scope.clock);
      const row: CustomerRow = {
        id: newId("customer"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        storefront_id: storefront.id,
        external_id: input.external_id,
        email: input.email ?? null,
        name: input.name ?? null,
        country: input.country ?? null,
        metadata: toJson(input.metadata ?? {}),
        created_at: now,
        updated_at: now,
      };
      const customer = toCustomer(row);
      try {
        await db.transaction().execute(async (tx) => {
          await repo.insertCustomer(tx, row);
          await events.record(tx, scope, { type: "customer.created", object: customer });
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ApiError(
            "ALREADY_EXISTS",
            `Storefront "${storefront.key}" already has a customer with external_id "${input.external_id}"`,
          );
        }
        throw error;
      }
      return customer;
    },

    async getCustomer(scope: Scope, id: string): Promise<Customer> {
      return toCustomer(await require(scope, id));
    },

    /** The customer or a 404: for modules that act on one (subscriptions, entitlements). */
    async requireCustomer(scope: Scope, id: string): Promise<Customer> {
      return toCustomer(await require(scope, id));
    },

    /** The customer a storefront knows by the merchant's id; 404 when the storefront or the customer is unknown. */
    async getCustomerByExternalId(scope: Scope, storefrontRef: string, externalId: string): Promise<Customer> {
      const storefront = await storefronts.requireStorefront(scope, storefrontRef);
      const row = await repo.findCustomerByExternalId(db, scope, storefront.id, externalId);
      if (!row) throw notFound("customer with external_id", externalId);
      return toCustomer(row);
    },

    async listCustomers(
      scope: Scope,
      page: PageQuery & { storefront?: string | undefined; external_id?: string | undefined },
    ): Promise<Page<Customer>> {
      const storefront = page.storefront
        ? await storefrontField(scope, page.storefront, "query.storefront")
        : undefined;
      const result = await repo.pageCustomers(db, scope, page, {
        storefrontId: storefront?.id,
        externalId: page.external_id,
      });
      return toPage(result, toCustomer);
    },

    /** The storefront and external_id are fixed: they are how the merchant's system finds the customer. */
    async updateCustomer(scope: Scope, id: string, input: UpdateCustomer): Promise<Customer> {
      const row = await require(scope, id);
      return db.transaction().execute(async (tx) => {
        await repo.updateCustomerRow(tx, scope, row.id, {
          ...(input.email !== undefined && { email: input.email }),
          ...(input.name !== undefined && { name: input.name }),
          ...(input.country !== undefined && { country: input.country }),
          ...(input.metadata !== undefined && { metadata: toJson(input.metadata) }),
          updated_at: isoNow(scope.clock),
        });
        const updated = await repo.findCustomer(tx, scope, row.id);
        if (!updated) throw notFound("customer", id);
        const customer = toCustomer(updated);
        await events.record(tx, scope, { type: "customer.updated", object: customer });
        return customer;
      });
    },

    /**
     * Deletes the customer, unless a registered module names it (subscriptions and payments do:
     * records of money are kept, so such a customer is refused with 409 IN_USE).
     */
    async deleteCustomer(scope: Scope, id: string): Promise<DeletionResult> {
      const row = await require(scope, id);
      await db.transaction().execute(async (tx) => {
        for (const check of usageChecks) {
          if (await check(tx, scope, row.id)) {
            throw new ApiError(
              "IN_USE",
              `Customer ${row.id} has records that are kept (subscriptions, payments, consents, privacy requests); it cannot be deleted: erase its personal data instead (POST /v1/customers/{id}/privacy/erase)`,
            );
          }
        }
        await repo.deleteCustomerRow(tx, scope, row.id);
        // The event carries the last state, as the object no longer exists to be fetched.
        await events.record(tx, scope, { type: "customer.deleted", object: toCustomer(row) });
      });
      return { id: row.id, object: "customer", deleted: true, archived: false };
    },
  };
}

export type CustomersService = ReturnType<typeof customersService>;
