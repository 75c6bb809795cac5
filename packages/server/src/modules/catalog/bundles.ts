import type {
  Bundle,
  BundleEntitlementInput,
  CatalogStatus,
  CreateBundle,
  CreatePrice,
  DeletionResult,
  Price,
  UpdateBundle,
  UpdatePrice,
} from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { BundleRow, Db } from "../../db/types.js";
import { ApiError, isUniqueViolation, notFound } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import { type Page, type PageQuery, toPage } from "../../lib/pagination.js";
import type { EventsService } from "../events/service.js";
import { grantRows, type ResolvedGrant, toBundleEntitlement, toResolvedGrant } from "./bundle-grants.js";
import { newPriceRow, pricePatch, toPrice } from "./prices.js";
import * as repo from "./repo.js";

/**
 * Answers whether something outside the catalog still refers to a bundle. Modules that refer to
 * bundles register one (storefronts: the bundles they sell; subscriptions: the bundles subscribed
 * to), so the catalog decides archive-versus-delete without reading their tables. It runs inside
 * the deleting transaction, on `db`.
 */
export type BundleUsageCheck = (db: Db, scope: Scope, bundleId: string) => Promise<boolean>;

/** The little other modules need to refer to a bundle. */
export interface BundleRef {
  id: string;
  key: string;
  status: Bundle["status"];
}

export function bundleOperations({ db, clock }: Deps, events: Pick<EventsService, "record">) {
  const usageChecks: BundleUsageCheck[] = [];

  async function requireRow(d: Db, scope: Scope, ref: string): Promise<BundleRow> {
    const row = await repo.findBundle(d, scope, ref);
    if (!row) throw notFound("bundle", ref);
    return row;
  }

  /** Bundles with their grants and prices, in two queries whatever the number of bundles. */
  async function load(d: Db, scope: Scope, rows: BundleRow[]): Promise<Bundle[]> {
    const ids = rows.map((r) => r.id);
    const grants = await repo.listBundleGrants(d, scope, ids);
    const prices = await repo.listPrices(d, scope, ids);
    return rows.map((row) => ({
      id: row.id,
      object: "bundle",
      key: row.key,
      name: row.name,
      description: row.description,
      entitlements: grants.filter((g) => g.bundle_id === row.id).map(toBundleEntitlement),
      prices: prices.filter((p) => p.bundle_id === row.id).map(toPrice),
      metadata: fromJson(row.metadata, {}),
      status: row.status,
      created_at: row.created_at,
      updated_at: row.updated_at,
    }));
  }

  async function loadOne(d: Db, scope: Scope, row: BundleRow): Promise<Bundle> {
    const [bundle] = await load(d, scope, [row]);
    return bundle!;
  }

  async function checkGrants(
    scope: Scope,
    bundleId: string,
    inputs: BundleEntitlementInput[],
    alreadyGranted?: ReadonlySet<string>,
  ) {
    const entitlements = await repo.findEntitlementsByKeys(db, scope, [...new Set(inputs.map((e) => e.key))]);
    const { rows, errors } = grantRows(scope, bundleId, inputs, entitlements, alreadyGranted);
    if (errors.length) {
      throw new ApiError("VALIDATION_FAILED", "The bundle's entitlements do not fit the catalog", { errors });
    }
    return rows;
  }

  async function isInUse(d: Db, scope: Scope, bundleId: string): Promise<boolean> {
    for (const check of usageChecks) if (await check(d, scope, bundleId)) return true;
    return false;
  }

  return {
    /** For modules that refer to bundles; see BundleUsageCheck. Call once, when the service is built. */
    registerBundleUsage(check: BundleUsageCheck): void {
      usageChecks.push(check);
    },

    /**
     * True while any registered module refers to the bundle: today a storefront selling it; the
     * subscriptions module adds its subscriptions through registerBundleUsage.
     */
    async isBundleInUse(scope: Scope, ref: string, d: Db = db): Promise<boolean> {
      return isInUse(d, scope, (await requireRow(d, scope, ref)).id);
    },

    /** Creates the bundle, its grants and its prices in one transaction: all or nothing. */
    async createBundle(scope: Scope, input: CreateBundle): Promise<Bundle> {
      const now = isoNow(clock);
      const row: BundleRow = {
        id: newId("bundle"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        key: input.key,
        name: input.name,
        description: input.description ?? null,
        metadata: toJson(input.metadata ?? {}),
        status: "active",
        created_at: now,
        updated_at: now,
      };
      const grants = await checkGrants(scope, row.id, input.entitlements);
      const prices = input.prices.map((p) => newPriceRow(scope, row.id, p, now));
      try {
        return await db.transaction().execute(async (tx) => {
          await repo.insertBundle(tx, row);
          await repo.replaceBundleEntitlements(tx, scope, row.id, grants);
          await repo.insertPrices(tx, prices);
          const bundle = await loadOne(tx, scope, row);
          await events.record(tx, scope, { type: "bundle.created", object: bundle });
          return bundle;
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new ApiError("ALREADY_EXISTS", `A bundle with key "${input.key}" exists`);
        throw error;
      }
    },

    async getBundle(scope: Scope, ref: string): Promise<Bundle> {
      return loadOne(db, scope, await requireRow(db, scope, ref));
    },

    /** Ids or keys → what they name, in the same order; undefined where nothing matches. */
    async findBundles(scope: Scope, refs: string[]): Promise<(BundleRef | undefined)[]> {
      const rows = await repo.findBundlesByRefs(db, scope, [...new Set(refs)]);
      return refs.map((ref) => {
        const row = rows.find((r) => r.id === ref || r.key === ref);
        return row && { id: row.id, key: row.key, status: row.status };
      });
    },

    async listBundles(scope: Scope, page: PageQuery & { status?: CatalogStatus | undefined }): Promise<Page<Bundle>> {
      const result = await repo.pageBundles(db, scope, page, page.status);
      const bundles = await load(db, scope, result.rows);
      return toPage({ ...result, rows: bundles }, (b) => b);
    },

    /** `entitlements`, when given, replaces the whole list. */
    async updateBundle(scope: Scope, ref: string, input: UpdateBundle): Promise<Bundle> {
      const row = await requireRow(db, scope, ref);
      let grants: repo.BundleEntitlementRow[] | undefined;
      if (input.entitlements !== undefined) {
        const current = await repo.listBundleGrants(db, scope, [row.id]);
        grants = await checkGrants(scope, row.id, input.entitlements, new Set(current.map((g) => g.entitlement_id)));
      }
      return db.transaction().execute(async (tx) => {
        await repo.updateBundleRow(tx, scope, row.id, {
          ...(input.name !== undefined && { name: input.name }),
          ...(input.description !== undefined && { description: input.description }),
          ...(input.metadata !== undefined && { metadata: toJson(input.metadata) }),
          ...(input.status !== undefined && { status: input.status }),
          updated_at: isoNow(clock),
        });
        if (grants) await repo.replaceBundleEntitlements(tx, scope, row.id, grants);
        const bundle = await loadOne(tx, scope, await requireRow(tx, scope, row.id));
        // Its customers' effective entitlements are recomputed from this event (entitlement pushes).
        await events.record(tx, scope, { type: "bundle.updated", object: bundle });
        return bundle;
      });
    },

    /** Deleted when nothing refers to it; otherwise archived, so what was sold keeps working. */
    async deleteBundle(scope: Scope, ref: string): Promise<DeletionResult> {
      return db.transaction().execute(async (tx) => {
        const row = await requireRow(tx, scope, ref);
        if (await isInUse(tx, scope, row.id)) {
          await repo.updateBundleRow(tx, scope, row.id, { status: "archived", updated_at: isoNow(clock) });
          const archived = await loadOne(tx, scope, await requireRow(tx, scope, row.id));
          await events.record(tx, scope, { type: "bundle.updated", object: archived });
          return { id: row.id, object: "bundle", deleted: false, archived: true };
        }
        const before = await loadOne(tx, scope, row);
        await repo.deleteBundleRow(tx, scope, row.id);
        await events.record(tx, scope, { type: "bundle.deleted", object: before });
        return { id: row.id, object: "bundle", deleted: true, archived: false };
      });
    },

    /** Each requested bundle's grants with kind, value, levels and period (for entitlement resolution). */
    async bundleEntitlements(scope: Scope, bundleIds: string[]): Promise<Map<string, ResolvedGrant[]>> {
      const grants = await repo.listBundleGrants(db, scope, [...new Set(bundleIds)]);
      return new Map(
        bundleIds.map((id) => [id, grants.filter((g) => g.bundle_id === id).map(toResolvedGrant)] as const),
      );
    },

    async addPrice(scope: Scope, bundleRef: string, input: CreatePrice): Promise<Price> {
      const bundle = await requireRow(db, scope, bundleRef);
      if (bundle.status === "archived") {
        throw new ApiError("OBJECT_ARCHIVED", `Bundle "${bundle.key}" is archived; reactivate it to add prices`);
      }
      const row = newPriceRow(scope, bundle.id, input, isoNow(clock));
      const price = toPrice(row);
      await db.transaction().execute(async (tx) => {
        await repo.insertPrices(tx, [row]);
        await events.record(tx, scope, { type: "price.created", object: price });
      });
      return price;
    },

    /** A price with the bundle it belongs to: what a subscription needs to start. */
    async getPrice(scope: Scope, priceId: string): Promise<{ price: Price; bundle: Bundle }> {
      const row = await repo.findPrice(db, scope, priceId);
      if (!row) throw notFound("price", priceId);
      const bundle = await loadOne(db, scope, await requireRow(db, scope, row.bundle_id));
      return { price: toPrice(row), bundle };
    },

    async updatePrice(scope: Scope, bundleRef: string, priceId: string, input: UpdatePrice): Promise<Price> {
      const bundle = await requireRow(db, scope, bundleRef);
      const row = await repo.findPrice(db, scope, priceId);
      if (!row || row.bundle_id !== bundle.id) throw notFound("price", priceId);
      const patch = pricePatch(input);
      const price = toPrice({ ...row, ...patch });
      if (Object.keys(patch).length) {
        await db.transaction().execute(async (tx) => {
          await repo.updatePriceRow(tx, scope, row.id, patch);
          await events.record(tx, scope, { type: "price.updated", object: price });
        });
      }
      return price;
    },
  };
}
