import type { Customer, CustomerEntitlement, CustomerEntitlements, TOKEN_SUBSCRIPTION_STATUSES } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import { fromJson } from "../../lib/json.js";
import type { CatalogService } from "../catalog/service.js";
import type { CustomersService } from "../customers/service.js";
import * as repo from "./repo.js";
import { type Contribution, type Merged, mergeContributions } from "./resolution.js";
import { quotaWindow } from "./windows.js";

type SubscriptionStatus = (typeof TOKEN_SUBSCRIPTION_STATUSES)[number];

/** What the subscriptions module tells us of one subscription (its `listEntitlementSources`). */
export interface EntitlementSource {
  id: string;
  bundle_id: string;
  status: SubscriptionStatus;
  current_period_end: string;
  cancel_at_period_end: boolean;
  next_change_at: string | null;
}

export type ListEntitlementSources = (scope: Scope, customerId: string) => Promise<EntitlementSource[]>;

/** A merged entitlement with, for a quota, its current window and usage. */
export interface EffectiveEntitlement extends Merged {
  used: number | null;
  remaining: number | null;
  windowStart: string | null;
  resetsAt: string | null;
}

export interface Resolved {
  customer: Customer;
  asOf: string;
  entitlements: EffectiveEntitlement[];
  subscriptions: Array<{
    id: string;
    bundle: string;
    bundle_key: string;
    status: SubscriptionStatus;
    current_period_end: string;
  }>;
  nextChangeAt: string | null;
}

const GRANTING: ReadonlySet<SubscriptionStatus> = new Set(["trial", "active", "grace"]);

/**
 * DESIGN §1: trial, active and grace grant; a cancel scheduled for period end keeps granting until
 * that end (and not a moment after, even before the subscriptions worker has moved the state).
 */
export function isGranting(source: EntitlementSource, now: string): boolean {
  if (!GRANTING.has(source.status)) return false;
  return !(source.cancel_at_period_end && source.current_period_end <= now);
}

export interface ResolverDeps {
  catalog: Pick<CatalogService, "bundleEntitlements" | "findBundles" | "findEntitlementsByKeys">;
  customers: Pick<CustomersService, "requireCustomer">;
  /** Absent until the subscriptions module provides it: then only manual grants resolve. */
  listEntitlementSources?: ListEntitlementSources | undefined;
}

/**
 * Reads every source of a customer's entitlements at the environment's "now" and merges them.
 * Nothing is cached: a grant, a subscription change or a use shows up on the next call.
 */
export function entitlementResolver({ db }: Deps, { catalog, customers, listEntitlementSources }: ResolverDeps) {
  return async function resolve(scope: Scope, customerId: string): Promise<Resolved> {
    const customer = await customers.requireCustomer(scope, customerId);
    const nowDate = scope.clock.now();
    const now = nowDate.toISOString();
    const changes: string[] = [];

    const sources = listEntitlementSources ? await listEntitlementSources(scope, customer.id) : [];
    for (const s of sources) if (s.next_change_at && s.next_change_at > now) changes.push(s.next_change_at);
    const granting = sources.filter((s) => isGranting(s, now));
    for (const s of granting) if (s.cancel_at_period_end) changes.push(s.current_period_end);
    const bundleIds = [...new Set(granting.map((s) => s.bundle_id))];
    const [bundleGrants, bundles] = bundleIds.length
      ? await Promise.all([catalog.bundleEntitlements(scope, bundleIds), catalog.findBundles(scope, bundleIds)])
      : [new Map(), []];
    const contributions: Contribution[] = [];
    for (const s of granting) {
      for (const g of bundleGrants.get(s.bundle_id) ?? []) {
        contributions.push({ source: s.id, entitlementId: g.entitlement_id, ...g });
      }
    }

    const grants = await repo.listActiveGrants(db, scope, customer.id, now);
    // Kind and period never change and travel with the grant (a deleted entitlement takes its grants
    // with it); only a tier's level order may change, so only tiers are read from the catalog.
    const tierKeys = grants.filter((g) => g.kind === "tier").map((g) => g.entitlement_key);
    const tiers = tierKeys.length ? await catalog.findEntitlementsByKeys(scope, tierKeys) : [];
    for (const g of grants) {
      const tier = g.kind === "tier" ? tiers.find((e) => e.id === g.entitlement_id) : undefined;
      if (g.kind === "tier" && !tier) continue;
      if (g.expires_at) changes.push(g.expires_at);
      contributions.push({
        source: g.id,
        key: g.entitlement_key,
        entitlementId: g.entitlement_id,
        kind: g.kind,
        limit: g.quota_limit === null ? null : Number(g.quota_limit),
        level: g.tier_level,
        content: fromJson<string[] | null>(g.content, null),
        levels: tier ? fromJson<string[] | null>(tier.levels, null) : null,
        period: (g.period as Contribution["period"]) ?? null,
      });
    }

    const merged = mergeContributions(contributions);
    const windows = new Map(
      merged
        .filter((m) => m.kind === "quota")
        .map((m) => [m.entitlementId, quotaWindow(m.period ?? "month", nowDate)] as const),
    );
    const counters = await repo.listCounters(
      db,
      scope,
      customer.id,
      [...windows].map(([entitlementId, w]) => ({ entitlementId, windowStart: w.start.toISOString() })),
    );
    const entitlements = merged.map((m): EffectiveEntitlement => {
      const w = windows.get(m.entitlementId);
      if (!w) return { ...m, used: null, remaining: null, windowStart: null, resetsAt: null };
      const windowStart = w.start.toISOString();
      const resetsAt = w.end.toISOString();
      changes.push(resetsAt);
      const counter = counters.find((c) => c.entitlement_id === m.entitlementId && c.window_start === windowStart);
      const used = counter ? Number(counter.used) : 0;
      return { ...m, used, remaining: Math.max(0, (m.limit ?? 0) - used), windowStart, resetsAt };
    });

    return {
      customer,
      asOf: now,
      entitlements,
      subscriptions: granting.map((s) => ({
        id: s.id,
        bundle: s.bundle_id,
        bundle_key: bundles[bundleIds.indexOf(s.bundle_id)]?.key ?? s.bundle_id,
        status: s.status,
        current_period_end: s.current_period_end,
      })),
      // ISO-8601 UTC strings of one width sort as time.
      nextChangeAt: changes.sort()[0] ?? null,
    };
  };
}

export type Resolve = ReturnType<typeof entitlementResolver>;

export function toCustomerEntitlement(e: EffectiveEntitlement): CustomerEntitlement {
  return {
    key: e.key,
    entitlement_id: e.entitlementId,
    kind: e.kind,
    level: e.level,
    rank: e.rank,
    levels: e.levels,
    limit: e.limit,
    used: e.used,
    remaining: e.remaining,
    period: e.period,
    resets_at: e.resetsAt,
    content: e.content,
    sources: e.sources,
  };
}

export function toCustomerEntitlements(r: Resolved): CustomerEntitlements {
  return {
    object: "customer_entitlements",
    customer: r.customer.id,
    storefront: r.customer.storefront,
    entitlements: r.entitlements.map(toCustomerEntitlement),
    subscriptions: r.subscriptions,
    next_change_at: r.nextChangeAt,
    as_of: r.asOf,
  };
}
