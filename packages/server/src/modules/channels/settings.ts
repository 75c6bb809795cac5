import type { ChannelName, ChannelProduct, ChannelSettingsInput, ChannelSettingsView } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { ChannelProductRow, ChannelSettingsRow } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import { type Page, type PageQuery, toPage } from "../../lib/pagination.js";
import type { CatalogService } from "../catalog/service.js";
import type { EventsService } from "../events/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import { notificationPath } from "./paths.js";
import type { ChannelSettings } from "./port.js";
import type { ChannelRegistry } from "./registry.js";
import * as repo from "./settings-repo.js";

/*
 * A storefront's settings of each channel: the public part as JSON, the secrets sealed with the
 * storefront and channel bound in (a seal copied to another row fails to open). Secrets are
 * write-only: the API says which are set, never what they are.
 */

type Credentials = Record<string, string>;

const purpose = (storefrontId: string, channel: string) => `channel-credentials:${storefrontId}:${channel}`;

export function channelSettingsService(
  { db, clock, secrets, baseUrl }: Deps,
  o: {
    registry: ChannelRegistry;
    storefronts: Pick<StorefrontsService, "requireStorefront" | "updateStorefront">;
    catalog: Pick<CatalogService, "getPrice">;
    events: Pick<EventsService, "record">;
  },
) {
  function open(row: ChannelSettingsRow): Credentials {
    if (!row.credentials_encrypted) return {};
    return JSON.parse(secrets.open(row.credentials_encrypted, purpose(row.storefront_id, row.channel))) as Credentials;
  }

  function toView(row: ChannelSettingsRow, credentialNames: string[]): ChannelSettingsView {
    const path = notificationPath(row.channel as ChannelName, row.storefront_id);
    return {
      object: "channel_settings",
      storefront: row.storefront_id,
      channel: row.channel as ChannelName,
      config: fromJson(row.config, {}),
      credential_names: credentialNames.sort(),
      notification_url: path ? `${baseUrl.replace(/\/$/, "")}${path}` : null,
      updated_at: row.updated_at,
    };
  }

  async function toProduct(scope: Scope, row: ChannelProductRow): Promise<ChannelProduct> {
    const { bundle } = await o.catalog.getPrice(scope, row.price_id);
    return {
      id: row.id,
      object: "channel_product",
      storefront: row.storefront_id,
      channel: row.channel as ChannelName,
      vendor_product_id: row.vendor_product_id,
      price: row.price_id,
      bundle: bundle.id,
      created_at: row.created_at,
    };
  }

  return {
    /**
     * Sets a channel's settings on a storefront (and enables the channel there). Omitted
     * `credentials` keep the stored ones, `{}` clears them. The adapter checks what it needs.
     */
    async put(
      scope: Scope,
      storefrontRef: string,
      channel: ChannelName,
      input: ChannelSettingsInput,
    ): Promise<ChannelSettingsView> {
      const storefront = await o.storefronts.requireStorefront(scope, storefrontRef);
      if (channel === "direct") {
        throw new ApiError("UNPROCESSABLE", "The direct channel is our own billing: its settings are the storefront's");
      }
      // Settings may be stored before this server runs the channel's adapter; when it does, it checks them.
      const adapter = o.registry.get(channel);
      const found = await repo.findSettings(db, scope, storefront.id, channel);
      const credentials = input.credentials ?? (found ? open(found) : {});
      const settings: ChannelSettings = { config: input.config, credentials };
      const errors = adapter?.checkSettings?.(settings, { production: scope.environment === "production" }) ?? [];
      if (errors.length) {
        throw new ApiError("VALIDATION_FAILED", `The ${channel} settings are not valid`, { errors });
      }
      const now = isoNow(clock);
      const row: ChannelSettingsRow = {
        id: found?.id ?? newId("channel_settings"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        storefront_id: storefront.id,
        channel,
        config: toJson(input.config),
        credentials_encrypted:
          Object.keys(credentials).length > 0
            ? secrets.seal(JSON.stringify(credentials), purpose(storefront.id, channel))
            : null,
        created_at: found?.created_at ?? now,
        updated_at: now,
      };
      await db.transaction().execute(async (tx) => {
        await repo.upsertSettings(tx, row);
        // Said apart for audits, as for payment providers' credentials: that they changed, never to what.
        if (input.credentials !== undefined) {
          await o.events.record(tx, scope, { type: "storefront.credentials_updated", object: storefront });
        }
      });
      if (!storefront.channels.includes(channel)) {
        await o.storefronts.updateStorefront(scope, storefront.id, { channels: [...storefront.channels, channel] });
      }
      return toView(row, Object.keys(credentials));
    },

    async get(scope: Scope, storefrontRef: string, channel: ChannelName): Promise<ChannelSettingsView> {
      const storefront = await o.storefronts.requireStorefront(scope, storefrontRef);
      const row = await repo.findSettings(db, scope, storefront.id, channel);
      if (!row) throw notFound(`${channel} settings of storefront`, storefront.id);
      return toView(row, Object.keys(open(row)));
    },

    /** Settings with the secrets opened, for an adapter: never return these from a route. */
    async load(scope: Scope, storefrontId: string, channel: ChannelName): Promise<ChannelSettings> {
      const row = await repo.findSettings(db, scope, storefrontId, channel);
      if (!row) {
        throw new ApiError("CHANNEL_NOT_CONFIGURED", `Storefront ${storefrontId} has no ${channel} settings`);
      }
      return { config: fromJson(row.config, {}), credentials: open(row) };
    },

    async listProducts(
      scope: Scope,
      storefrontRef: string,
      channel: ChannelName,
      page: PageQuery,
    ): Promise<Page<ChannelProduct>> {
      const storefront = await o.storefronts.requireStorefront(scope, storefrontRef);
      const result = await repo.pageProducts(db, scope, storefront.id, channel, page);
      const data = await Promise.all(result.rows.map((r) => toProduct(scope, r)));
      return toPage({ ...result, rows: data }, (p) => p);
    },

    async findProduct(
      scope: Scope,
      storefrontId: string,
      channel: ChannelName,
      vendorProductId: string,
    ): Promise<ChannelProduct> {
      const page = await repo.findProductRow(db, scope, storefrontId, channel, vendorProductId);
      if (!page) throw notFound(`${channel} product of storefront ${storefrontId}`, vendorProductId);
      return toProduct(scope, page);
    },

    async deleteProduct(scope: Scope, storefrontRef: string, channel: ChannelName, vendorProductId: string) {
      const storefront = await o.storefronts.requireStorefront(scope, storefrontRef);
      const row = await repo.deleteProduct(db, scope, storefront.id, channel, vendorProductId);
      if (!row) throw notFound(`${channel} product of storefront ${storefront.id}`, vendorProductId);
      return { id: row.id, object: "channel_product" as const, deleted: true as const };
    },
  };
}

export type ChannelSettingsService = ReturnType<typeof channelSettingsService>;
