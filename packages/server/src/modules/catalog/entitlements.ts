import type { CatalogStatus, CreateEntitlement, DeletionResult, Entitlement, UpdateEntitlement } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { EntitlementRow } from "../../db/types.js";
import { ApiError, isUniqueViolation, notFound } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import { type Page, type PageQuery, toPage } from "../../lib/pagination.js";
import type { EventsService } from "../events/service.js";
import * as repo from "./repo.js";

export function toEntitlement(row: EntitlementRow): Entitlement {
  return {
    id: row.id,
    object: "entitlement",
    key: row.key,
    name: row.name,
    description: row.description,
    kind: row.kind,
    levels: fromJson<string[] | null>(row.levels, null),
    period: (row.period as Entitlement["period"]) ?? null,
    content_ids: fromJson<string[] | null>(row.content_ids, null),
    metadata: fromJson(row.metadata, {}),
    status: row.status,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function entitlementOperations({ db, clock }: Deps, events: Pick<EventsService, "record">) {
  async function require(scope: Scope, ref: string): Promise<EntitlementRow> {
    const row = await repo.findEntitlement(db, scope, ref);
    if (!row) throw notFound("entitlement", ref);
    return row;
  }

  return {
    requireEntitlement: require,

    /** By id or key, undefined when there is none: for a filter or field naming one (a 400, not a 404). */
    findEntitlement(scope: Scope, ref: string): Promise<EntitlementRow | undefined> {
      return repo.findEntitlement(db, scope, ref);
    },

    /** The entitlements with these keys (missing keys are simply absent): for modules that refer to them. */
    findEntitlementsByKeys(scope: Scope, keys: string[]): Promise<EntitlementRow[]> {
      return repo.findEntitlementsByKeys(db, scope, [...new Set(keys)]);
    },

    async createEntitlement(scope: Scope, input: CreateEntitlement): Promise<Entitlement> {
      const now = isoNow(clock);
      const row: EntitlementRow = {
        id: newId("entitlement"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        key: input.key,
        name: input.name,
        description: input.description ?? null,
        kind: input.kind,
        levels: input.kind === "tier" ? toJson(input.levels) : null,
        period: input.kind === "quota" ? input.period : null,
        content_ids: input.kind === "content" && input.content_ids ? toJson(input.content_ids) : null,
        metadata: toJson(input.metadata ?? {}),
        status: "active",
        created_at: now,
        updated_at: now,
      };
      try {
        await db.transaction().execute(async (tx) => {
          await repo.insertEntitlement(tx, row);
          await events.record(tx, scope, { type: "entitlement.created", object: toEntitlement(row) });
        });
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ApiError("ALREADY_EXISTS", `An entitlement with key "${input.key}" exists`);
        throw error;
      }
      return toEntitlement(row);
    },

    async getEntitlement(scope: Scope, ref: string): Promise<Entitlement> {
      return toEntitlement(await require(scope, ref));
    },

    async listEntitlements(
      scope: Scope,
      page: PageQuery & { status?: CatalogStatus | undefined },
    ): Promise<Page<Entitlement>> {
      return toPage(await repo.pageEntitlements(db, scope, page, page.status), toEntitlement);
    },

    async updateEntitlement(scope: Scope, ref: string, input: UpdateEntitlement): Promise<Entitlement> {
      const row = await require(scope, ref);
      const errors: { path: string; message: string }[] = [];
      if (input.levels !== undefined) {
        if (row.kind !== "tier") errors.push({ path: "levels", message: "only tier entitlements have levels" });
        else {
          const old = fromJson<string[]>(row.levels, []);
          const missing = old.filter((l) => !input.levels?.includes(l));
          // Bundles and tokens refer to levels by name: dropping one would strand them.
          if (missing.length)
            errors.push({ path: "levels", message: `existing levels cannot be removed: ${missing.join(", ")}` });
          if (new Set(input.levels).size !== input.levels.length)
            errors.push({ path: "levels", message: "levels must be unique" });
        }
      }
      if (input.content_ids !== undefined && row.kind !== "content") {
        errors.push({ path: "content_ids", message: "only content entitlements have content ids" });
      }
      if (errors.length)
        throw new ApiError("VALIDATION_FAILED", "The update does not fit this entitlement's kind", { errors });
      return db.transaction().execute(async (tx) => {
        await repo.updateEntitlementRow(tx, scope, row.id, {
          ...(input.name !== undefined && { name: input.name }),
          ...(input.description !== undefined && { description: input.description }),
          ...(input.levels !== undefined && { levels: toJson(input.levels) }),
          ...(input.content_ids !== undefined && { content_ids: toJson(input.content_ids) }),
          ...(input.metadata !== undefined && { metadata: toJson(input.metadata) }),
          ...(input.status !== undefined && { status: input.status }),
          updated_at: isoNow(clock),
        });
        const updated = await repo.findEntitlement(tx, scope, row.id);
        if (!updated) throw notFound("entitlement", ref);
        const entitlement = toEntitlement(updated);
        await events.record(tx, scope, { type: "entitlement.updated", object: entitlement });
        return entitlement;
      });
    },

    /** Deleted when no bundle grants it; otherwise archived, so existing grants keep working. */
    async deleteEntitlement(scope: Scope, ref: string): Promise<DeletionResult> {
      return db.transaction().execute(async (tx) => {
        const row = await repo.findEntitlement(tx, scope, ref);
        if (!row) throw notFound("entitlement", ref);
        if (await repo.isEntitlementInUse(tx, scope, row.id)) {
          const at = isoNow(clock);
          await repo.updateEntitlementRow(tx, scope, row.id, { status: "archived", updated_at: at });
          const archived = toEntitlement({ ...row, status: "archived", updated_at: at });
          await events.record(tx, scope, { type: "entitlement.updated", object: archived });
          return { id: row.id, object: "entitlement", deleted: false, archived: true };
        }
        await repo.deleteEntitlementRow(tx, scope, row.id);
        await events.record(tx, scope, { type: "entitlement.deleted", object: toEntitlement(row) });
        return { id: row.id, object: "entitlement", deleted: true, archived: false };
      });
    },
  };
}
