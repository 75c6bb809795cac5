import type { CreateGrant, EntitlementKind, Grant } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { EntitlementRow } from "../../db/types.js";
import { ApiError, type FieldError, notFound } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import type { CatalogService } from "../catalog/service.js";
import type { CustomersService } from "../customers/service.js";
import type { EventsService } from "../events/service.js";
import type { GrantRow } from "./repo.js";
import * as repo from "./repo.js";

export interface GrantDeps {
  catalog: Pick<CatalogService, "findEntitlementsByKeys">;
  customers: Pick<CustomersService, "requireCustomer">;
  events: Pick<EventsService, "record">;
}

export function toGrant(row: GrantRow, now: string): Grant {
  const status = row.revoked_at ? "revoked" : row.expires_at !== null && row.expires_at <= now ? "expired" : "active";
  return {
    id: row.id,
    object: "grant",
    customer: row.customer_id,
    entitlement: row.entitlement_key,
    entitlement_id: row.entitlement_id,
    kind: row.kind,
    limit: row.quota_limit === null ? null : Number(row.quota_limit),
    level: row.tier_level,
    content: fromJson<string[] | null>(row.content, null),
    reason: row.reason,
    status,
    expires_at: row.expires_at,
    revoked_at: row.revoked_at,
    created_at: row.created_at,
  };
}

type ValueField = "limit" | "level" | "content";
// Which value field each kind takes, as on a bundle: the others are refused, never silently ignored.
const FIELD_OF_KIND: Record<EntitlementKind, ValueField | undefined> = {
  flag: undefined,
  tier: "level",
  quota: "limit",
  content: "content",
};

/** The same rules as a bundle's entitlement list, for one value. */
function valueErrors(input: CreateGrant, entitlement: EntitlementRow): FieldError[] {
  const errors: FieldError[] = [];
  const kind = entitlement.kind;
  const wanted = FIELD_OF_KIND[kind];
  for (const field of ["limit", "level", "content"] as const) {
    if (field !== wanted && input[field] !== undefined) {
      errors.push({ path: field, message: `a ${kind} entitlement does not take "${field}"` });
    }
  }
  if (wanted && input[wanted] === undefined)
    errors.push({ path: wanted, message: `required for a ${kind} entitlement` });
  if (kind === "tier" && input.level !== undefined) {
    const levels = fromJson<string[]>(entitlement.levels, []);
    if (!levels.includes(input.level)) errors.push({ path: "level", message: `must be one of: ${levels.join(", ")}` });
  }
  if (kind === "content" && input.content !== undefined) {
    const allowed = fromJson<string[] | null>(entitlement.content_ids, null);
    const unknown = allowed ? input.content.filter((id) => !allowed.includes(id)) : [];
    if (unknown.length) errors.push({ path: "content", message: `unknown content ids: ${unknown.join(", ")}` });
  }
  return errors;
}

/** Manual grants: comps and support fixes, merged with subscriptions like any other source. */
export function grantOperations({ db }: Deps, { catalog, customers, events }: GrantDeps) {
  async function requireGrant(scope: Scope, customerId: string, grantId: string): Promise<GrantRow> {
    const row = await repo.findGrant(db, scope, customerId, grantId);
    if (!row) throw notFound("grant", grantId);
    return row;
  }

  return {
    async createGrant(scope: Scope, customerId: string, input: CreateGrant): Promise<Grant> {
      const customer = await customers.requireCustomer(scope, customerId);
      const now = isoNow(scope.clock);
      const [entitlement] = await catalog.findEntitlementsByKeys(scope, [input.entitlement]);
      if (!entitlement) {
        throw new ApiError("VALIDATION_FAILED", `No entitlement "${input.entitlement}"`, {
          errors: [{ path: "entitlement", message: `no entitlement "${input.entitlement}" in this environment` }],
        });
      }
      const errors = valueErrors(input, entitlement);
      if (entitlement.status === "archived") {
        errors.push({ path: "entitlement", message: `"${entitlement.key}" is archived and cannot be granted` });
      }
      let expiresAt: string | null = null;
      if (input.expires_at !== undefined) {
        const at = new Date(input.expires_at);
        if (Number.isNaN(at.getTime())) errors.push({ path: "expires_at", message: "must be an ISO-8601 time" });
        else if (at.toISOString() <= now) errors.push({ path: "expires_at", message: "must be in the future" });
        else expiresAt = at.toISOString();
      }
      if (errors.length) throw new ApiError("VALIDATION_FAILED", "The grant does not fit the entitlement", { errors });

      const row: GrantRow = {
        id: newId("grant"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        customer_id: customer.id,
        entitlement_id: entitlement.id,
        entitlement_key: entitlement.key,
        kind: entitlement.kind,
        period: entitlement.period,
        quota_limit: input.limit ?? null,
        tier_level: input.level ?? null,
        content: input.content ? toJson([...new Set(input.content)]) : null,
        reason: input.reason,
        expires_at: expiresAt,
        revoked_at: null,
        created_at: now,
      };
      const grant = toGrant(row, now);
      await db.transaction().execute(async (tx) => {
        await repo.insertGrant(tx, row);
        await events.record(tx, scope, { type: "grant.created", object: grant });
      });
      return grant;
    },

    async listGrants(scope: Scope, customerId: string): Promise<Grant[]> {
      const customer = await customers.requireCustomer(scope, customerId);
      const now = isoNow(scope.clock);
      return (await repo.listGrants(db, scope, customer.id)).map((r) => toGrant(r, now));
    },

    async getGrant(scope: Scope, customerId: string, grantId: string): Promise<Grant> {
      const customer = await customers.requireCustomer(scope, customerId);
      return toGrant(await requireGrant(scope, customer.id, grantId), isoNow(scope.clock));
    },

    /** Stops the grant at once. Revoking twice answers the revoked grant again (DELETE is idempotent). */
    async revokeGrant(scope: Scope, customerId: string, grantId: string): Promise<Grant> {
      const customer = await customers.requireCustomer(scope, customerId);
      const row = await requireGrant(scope, customer.id, grantId);
      const now = isoNow(scope.clock);
      if (row.revoked_at) return toGrant(row, now);
      const revoked = toGrant({ ...row, revoked_at: now }, now);
      await db.transaction().execute(async (tx) => {
        await repo.revokeGrant(tx, scope, row.id, now);
        await events.record(tx, scope, { type: "grant.revoked", object: revoked });
      });
      return revoked;
    },
  };
}
