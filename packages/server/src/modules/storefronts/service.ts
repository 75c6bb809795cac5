import type {
  CatalogStatus,
  CreateStorefront,
  DeletionResult,
  ProviderConfig,
  Storefront,
  UpdateStorefront,
} from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { Db, StorefrontRow } from "../../db/types.js";
import { ApiError, type FieldError, isUniqueViolation, notFound } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import { type Page, type PageQuery, toPage } from "../../lib/pagination.js";
import type { CatalogService } from "../catalog/service.js";
import type { EventsService } from "../events/service.js";
import {
  type Credentials,
  duplicateProviderErrors,
  mergeProviders,
  openVault,
  type ProviderKind,
  sealVault,
} from "./providers.js";
import * as repo from "./repo.js";

/** Like the catalog's BundleUsageCheck: a module that refers to storefronts (customers) registers one. */
export type StorefrontUsageCheck = (db: Db, scope: Scope, storefrontId: string) => Promise<boolean>;

const DEFAULT_DUNNING = { retry_days: [1, 3, 5, 7] };

// Built field by field, so nothing stored beside the public settings can reach a response.
const publicProvider = (p: ProviderConfig): ProviderConfig => ({
  name: p.name,
  config: p.config,
  has_credentials: p.has_credentials,
});

function toStorefront(row: StorefrontRow, bundleIds: string[]): Storefront {
  const fiscal = fromJson<ProviderConfig | null>(row.fiscal_provider, null);
  return {
    id: row.id,
    object: "storefront",
    key: row.key,
    name: row.name,
    type: row.type,
    bundles: bundleIds,
    channels: fromJson(row.channels, []),
    payment_providers: fromJson<ProviderConfig[]>(row.payment_providers, []).map(publicProvider),
    fiscal_provider: fiscal && publicProvider(fiscal),
    dunning: fromJson(row.dunning, DEFAULT_DUNNING),
    metadata: fromJson(row.metadata, {}),
    status: row.status,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function storefrontsService(
  { db, clock, secrets }: Deps,
  {
    catalog,
    events,
  }: { catalog: Pick<CatalogService, "findBundles" | "registerBundleUsage">; events: Pick<EventsService, "record"> },
) {
  const usageChecks: StorefrontUsageCheck[] = [];
  // A bundle a storefront sells is in use: the catalog archives it instead of deleting it.
  catalog.registerBundleUsage((d, scope, bundleId) => repo.isBundleSold(d, scope, bundleId));

  async function requireRow(d: Db, scope: Scope, ref: string): Promise<StorefrontRow> {
    const row = await repo.findStorefront(d, scope, ref);
    if (!row) throw notFound("storefront", ref);
    return row;
  }

  async function load(d: Db, scope: Scope, rows: StorefrontRow[]): Promise<Storefront[]> {
    const sold = await repo.listStorefrontBundles(
      d,
      scope,
      rows.map((r) => r.id),
    );
    return rows.map((row) =>
      toStorefront(
        row,
        sold.filter((s) => s.storefront_id === row.id).map((s) => s.bundle_id),
      ),
    );
  }

  async function loadOne(d: Db, scope: Scope, row: StorefrontRow): Promise<Storefront> {
    const [storefront] = await load(d, scope, [row]);
    return storefront!;
  }

  /** Bundle ids or keys → ids (deduplicated, in order). An archived bundle may stay but not be newly added. */
  async function resolveBundles(
    scope: Scope,
    refs: string[],
    alreadySold: ReadonlySet<string>,
    errors: FieldError[],
  ): Promise<string[]> {
    const found = await catalog.findBundles(scope, refs);
    const ids: string[] = [];
    found.forEach((bundle, i) => {
      if (!bundle) errors.push({ path: `bundles.${i}`, message: `no bundle "${refs[i]}" in this environment` });
      else if (bundle.status === "archived" && !alreadySold.has(bundle.id))
        errors.push({ path: `bundles.${i}`, message: `bundle "${bundle.key}" is archived and cannot be added` });
      else if (!ids.includes(bundle.id)) ids.push(bundle.id);
    });
    return ids;
  }

  async function get(scope: Scope, ref: string): Promise<Storefront> {
    return loadOne(db, scope, await requireRow(db, scope, ref));
  }

  function invalid(errors: FieldError[]): ApiError {
    return new ApiError("VALIDATION_FAILED", "The storefront's settings are not valid", { errors });
  }

  return {
    /** For modules that refer to storefronts; see StorefrontUsageCheck. Call once, when the service is built. */
    registerStorefrontUsage(check: StorefrontUsageCheck): void {
      usageChecks.push(check);
    },

    async createStorefront(scope: Scope, input: CreateStorefront): Promise<Storefront> {
      const id = newId("storefront");
      const errors = duplicateProviderErrors(input.payment_providers, "payment_providers");
      const bundleIds = await resolveBundles(scope, input.bundles, new Set(), errors);
      if (errors.length) throw invalid(errors);
      const payment = mergeProviders(input.payment_providers, {});
      const fiscal = input.fiscal_provider ? mergeProviders([input.fiscal_provider], {}) : undefined;
      const now = isoNow(clock);
      const row: StorefrontRow = {
        id,
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        key: input.key,
        name: input.name,
        type: input.type,
        channels: toJson([...new Set(input.channels)]),
        payment_providers: toJson(payment.providers),
        fiscal_provider: fiscal ? toJson(fiscal.providers[0]) : null,
        credentials_encrypted: sealVault(secrets, id, {
          payment: payment.credentials,
          fiscal: fiscal?.credentials ?? {},
        }),
        dunning: toJson(input.dunning ?? DEFAULT_DUNNING),
        metadata: toJson(input.metadata ?? {}),
        status: "active",
        created_at: now,
        updated_at: now,
      };
      try {
        await db.transaction().execute(async (tx) => {
          await repo.insertStorefront(tx, row);
          await repo.replaceStorefrontBundles(tx, scope, id, bundleIds);
          // The storefront as the API shows it: provider names, never the credentials.
          await events.record(tx, scope, { type: "storefront.created", object: toStorefront(row, bundleIds) });
        });
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ApiError("ALREADY_EXISTS", `A storefront with key "${input.key}" exists`);
        throw error;
      }
      return toStorefront(row, bundleIds);
    },

    getStorefront: get,
    /** The storefront (without credentials) or a 404: for modules that act on one. */
    requireStorefront: get,

    /** Payment routing and dunning settings in one read (no bundles): for the billing hot path. */
    async paymentSettings(
      scope: Scope,
      ref: string,
    ): Promise<Pick<Storefront, "id" | "status" | "payment_providers" | "dunning">> {
      const row = await requireRow(db, scope, ref);
      return {
        id: row.id,
        status: row.status,
        payment_providers: fromJson<ProviderConfig[]>(row.payment_providers, []).map(publicProvider),
        dunning: fromJson(row.dunning, DEFAULT_DUNNING),
      };
    },

    /** The storefront an id or key names, if any: for modules that report an unknown one as a field error. */
    async findStorefront(scope: Scope, ref: string): Promise<Storefront | undefined> {
      const row = await repo.findStorefront(db, scope, ref);
      return row && loadOne(db, scope, row);
    },

    async listStorefronts(
      scope: Scope,
      page: PageQuery & { status?: CatalogStatus | undefined },
    ): Promise<Page<Storefront>> {
      const result = await repo.pageStorefronts(db, scope, page, page.status);
      return toPage({ ...result, rows: await load(db, scope, result.rows) }, (s) => s);
    },

    /** Lists sent replace the stored ones; see mergeProviders for how credentials are kept or cleared. */
    async updateStorefront(scope: Scope, ref: string, input: UpdateStorefront): Promise<Storefront> {
      const found = await requireRow(db, scope, ref);
      const errors = input.payment_providers
        ? duplicateProviderErrors(input.payment_providers, "payment_providers")
        : [];
      let bundleIds: string[] | undefined;
      if (input.bundles !== undefined) {
        const sold = await repo.listStorefrontBundles(db, scope, [found.id]);
        bundleIds = await resolveBundles(scope, input.bundles, new Set(sold.map((s) => s.bundle_id)), errors);
      }
      if (errors.length) throw invalid(errors);
      return db.transaction().execute(async (tx) => {
        // Re-read inside the transaction: the credentials are merged over what is stored now.
        const row = await requireRow(tx, scope, found.id);
        const patch: Parameters<typeof repo.updateStorefrontRow>[3] = {
          ...(input.name !== undefined && { name: input.name }),
          ...(input.type !== undefined && { type: input.type }),
          ...(input.channels !== undefined && { channels: toJson([...new Set(input.channels)]) }),
          ...(input.dunning !== undefined && { dunning: toJson(input.dunning) }),
          ...(input.metadata !== undefined && { metadata: toJson(input.metadata) }),
          ...(input.status !== undefined && { status: input.status }),
          updated_at: isoNow(clock),
        };
        if (input.payment_providers !== undefined || input.fiscal_provider !== undefined) {
          const vault = openVault(secrets, row.id, row.credentials_encrypted);
          if (input.payment_providers !== undefined) {
            const payment = mergeProviders(input.payment_providers, vault.payment);
            vault.payment = payment.credentials;
            patch.payment_providers = toJson(payment.providers);
          }
          if (input.fiscal_provider === null) {
            vault.fiscal = {};
            patch.fiscal_provider = null;
          } else if (input.fiscal_provider !== undefined) {
            const fiscal = mergeProviders([input.fiscal_provider], vault.fiscal);
            vault.fiscal = fiscal.credentials;
            patch.fiscal_provider = toJson(fiscal.providers[0]);
          }
          patch.credentials_encrypted = sealVault(secrets, row.id, vault);
        }
        await repo.updateStorefrontRow(tx, scope, row.id, patch);
        if (bundleIds) await repo.replaceStorefrontBundles(tx, scope, row.id, bundleIds);
        const storefront = await loadOne(tx, scope, await requireRow(tx, scope, row.id));
        await events.record(tx, scope, { type: "storefront.updated", object: storefront });
        // Credentials changed (or providers with them): said apart, for audits; the values never.
        if (patch.credentials_encrypted !== undefined) {
          await events.record(tx, scope, { type: "storefront.credentials_updated", object: storefront });
        }
        return storefront;
      });
    },

    /** Deleted when nothing refers to it; archived while it has customers. */
    async deleteStorefront(scope: Scope, ref: string): Promise<DeletionResult> {
      return db.transaction().execute(async (tx) => {
        const row = await requireRow(tx, scope, ref);
        for (const check of usageChecks) {
          if (await check(tx, scope, row.id)) {
            await repo.updateStorefrontRow(tx, scope, row.id, { status: "archived", updated_at: isoNow(clock) });
            const archived = await loadOne(tx, scope, await requireRow(tx, scope, row.id));
            await events.record(tx, scope, { type: "storefront.updated", object: archived });
            return { id: row.id, object: "storefront", deleted: false, archived: true };
          }
        }
        const before = await loadOne(tx, scope, row);
        await repo.deleteStorefrontRow(tx, scope, row.id);
        await events.record(tx, scope, { type: "storefront.deleted", object: before });
        return { id: row.id, object: "storefront", deleted: true, archived: false };
      });
    },

    /** The tenant and environment of a storefront id, unscoped: see repo.findStorefrontOwner. */
    async findOwner(id: string): Promise<{ id: string; tenantId: string; environmentId: string } | undefined> {
      const row = await repo.findStorefrontOwner(db, id);
      return row && { id: row.id, tenantId: row.tenant_id, environmentId: row.environment_id };
    },

    /**
     * The decrypted credentials of one configured provider (`{}` when it has none), for the
     * payments and invoicing modules. Never return these from an API route.
     */
    async providerCredentials(
      scope: Scope,
      storefrontRef: string,
      providerName: string,
      kind: ProviderKind = "payment",
    ): Promise<Credentials> {
      const row = await requireRow(db, scope, storefrontRef);
      const configured =
        kind === "payment"
          ? fromJson<ProviderConfig[]>(row.payment_providers, []).some((p) => p.name === providerName)
          : fromJson<ProviderConfig | null>(row.fiscal_provider, null)?.name === providerName;
      if (!configured) throw notFound(`${kind} provider on storefront ${row.id}`, providerName);
      const stored = openVault(secrets, row.id, row.credentials_encrypted)[kind];
      return Object.hasOwn(stored, providerName) ? { ...stored[providerName] } : {};
    },
  };
}

export type StorefrontsService = ReturnType<typeof storefrontsService>;
