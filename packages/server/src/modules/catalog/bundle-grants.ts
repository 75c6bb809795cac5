import type { BundleEntitlement, BundleEntitlementInput, Interval } from "@tessera/core";
import type { Scope } from "../../context.js";
import type { EntitlementRow } from "../../db/types.js";
import type { FieldError } from "../../errors.js";
import { fromJson, toJson } from "../../lib/json.js";
import type { BundleEntitlementRow, BundleGrantRow } from "./repo.js";

/** What the entitlement-resolution module needs of a grant: its value plus how to merge it. */
export type ResolvedGrant = BundleEntitlement & {
  /** tier: the entitlement's levels, lowest first (so "highest" can be decided). */
  levels: string[] | null;
  /** quota: the period the limit is per. */
  period: Interval | null;
};

type ValueField = "limit" | "level" | "content";
const VALUE_FIELDS: ValueField[] = ["limit", "level", "content"];
// Which value each kind takes; the others are refused rather than silently ignored.
const FIELD_OF_KIND: Record<string, ValueField | undefined> = {
  flag: undefined,
  tier: "level",
  quota: "limit",
  content: "content",
};

/**
 * Checks a bundle's requested grants against the entitlements they name and turns them into rows.
 * `alreadyGranted` holds the entitlement ids the bundle grants today: an archived entitlement may
 * stay on a bundle that had it, but cannot be newly added.
 */
export function grantRows(
  scope: Scope,
  bundleId: string,
  inputs: BundleEntitlementInput[],
  entitlements: EntitlementRow[],
  alreadyGranted: ReadonlySet<string> = new Set(),
): { rows: BundleEntitlementRow[]; errors: FieldError[] } {
  const byKey = new Map(entitlements.map((e) => [e.key, e]));
  const seen = new Set<string>();
  const rows: BundleEntitlementRow[] = [];
  const errors: FieldError[] = [];

  inputs.forEach((input, i) => {
    const at = (field: string) => `entitlements.${i}.${field}`;
    const before = errors.length;
    if (seen.has(input.key)) errors.push({ path: at("key"), message: `"${input.key}" is listed twice` });
    seen.add(input.key);
    const entitlement = byKey.get(input.key);
    if (!entitlement) {
      errors.push({ path: at("key"), message: `no entitlement "${input.key}" in this environment` });
      return;
    }
    if (entitlement.status === "archived" && !alreadyGranted.has(entitlement.id)) {
      errors.push({ path: at("key"), message: `"${input.key}" is archived and cannot be added to a bundle` });
    }
    const wanted = FIELD_OF_KIND[entitlement.kind];
    for (const field of VALUE_FIELDS) {
      if (field !== wanted && input[field] !== undefined) {
        errors.push({ path: at(field), message: `a ${entitlement.kind} entitlement does not take "${field}"` });
      }
    }
    if (wanted && input[wanted] === undefined) {
      errors.push({ path: at(wanted), message: `required for a ${entitlement.kind} entitlement` });
    }
    if (entitlement.kind === "tier" && input.level !== undefined) {
      const levels = fromJson<string[]>(entitlement.levels, []);
      if (!levels.includes(input.level)) {
        errors.push({ path: at("level"), message: `must be one of: ${levels.join(", ")}` });
      }
    }
    if (entitlement.kind === "content" && input.content !== undefined) {
      const allowed = fromJson<string[] | null>(entitlement.content_ids, null);
      const unknown = allowed ? input.content.filter((id) => !allowed.includes(id)) : [];
      if (unknown.length) errors.push({ path: at("content"), message: `unknown content ids: ${unknown.join(", ")}` });
    }
    if (errors.length > before) return;
    rows.push({
      tenant_id: scope.tenantId,
      environment_id: scope.environmentId,
      bundle_id: bundleId,
      entitlement_id: entitlement.id,
      position: i,
      quota_limit: input.limit ?? null,
      tier_level: input.level ?? null,
      content: input.content ? toJson([...new Set(input.content)]) : null,
    });
  });
  return { rows, errors };
}

export function toBundleEntitlement(row: BundleGrantRow): BundleEntitlement {
  return {
    key: row.key,
    entitlement_id: row.entitlement_id,
    kind: row.kind,
    limit: row.quota_limit,
    level: row.tier_level,
    content: fromJson<string[] | null>(row.content, null),
  };
}

export function toResolvedGrant(row: BundleGrantRow): ResolvedGrant {
  return {
    ...toBundleEntitlement(row),
    levels: fromJson<string[] | null>(row.levels, null),
    period: row.period ?? null,
  };
}
