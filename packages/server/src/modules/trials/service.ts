import type {
  Customer,
  Price,
  TrialEligibility,
  TrialIdentity,
  TrialIdentityInput,
  TrialPolicy,
  UpdateTrialPolicy,
} from "@tessera/core";
import { sql } from "kysely";
import type { Deps, Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type { Db, TrialClaimRow, TrialPolicyRow } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import type { CatalogService } from "../catalog/service.js";
import type { CustomersService } from "../customers/service.js";
import type { EventsService } from "../events/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import { normalizeEmail, normalizeMsisdn } from "./normalize.js";

const DAY_MS = 24 * 60 * 60_000;
const DIGEST_COLUMN = {
  email: "email_digest",
  payment_method: "payment_method_digest",
  device: "device_digest",
  msisdn: "msisdn_digest",
} as const;

function toPolicy(storefrontId: string, row: TrialPolicyRow | undefined): TrialPolicy {
  return {
    object: "trial_policy",
    storefront: storefrontId,
    one_per: fromJson<TrialIdentity[]>(row?.one_per, []),
    family: row?.family ?? "storefront",
    lookback_days: row?.lookback_days ?? null,
    on_ineligible: row?.on_ineligible ?? "refuse",
    updated_at: row?.updated_at ?? null,
  };
}

export interface TrialRequest {
  customer: Customer;
  price: Pick<Price, "id" | "trial_days">;
  bundleId: string;
  storefrontId: string;
  identity?: TrialIdentityInput | undefined;
}

/**
 * Trial eligibility per storefront (docs/campaigns.md "Trials"). Every trial started leaves a
 * claim holding keyed digests of the identities it was started under; a later request is refused
 * by the first rule of the policy whose identity matches a claim in the same family and window.
 */
export function trialsService(
  deps: Deps,
  o: {
    customers: Pick<CustomersService, "requireCustomer">;
    catalog: Pick<CatalogService, "getPrice">;
    storefronts: Pick<StorefrontsService, "requireStorefront">;
    events: Pick<EventsService, "record">;
  },
) {
  const { db, secrets } = deps;
  const digest = (kind: keyof typeof DIGEST_COLUMN, value: string, scope: Scope) =>
    secrets.digest(value, `trial/${scope.tenantId}/${kind}`);

  function digestsOf(scope: Scope, r: TrialRequest): Record<keyof typeof DIGEST_COLUMN, string | null> {
    const id = r.identity ?? {};
    return {
      email: r.customer.email ? digest("email", normalizeEmail(r.customer.email), scope) : null,
      payment_method: id.payment_method_fingerprint
        ? digest("payment_method", id.payment_method_fingerprint, scope)
        : null,
      device: id.device_id ? digest("device", id.device_id, scope) : null,
      msisdn: id.msisdn ? digest("msisdn", normalizeMsisdn(id.msisdn), scope) : null,
    };
  }

  async function findPolicyRow(scope: Scope, storefrontId: string, d: Db = db) {
    return d
      .selectFrom("trial_policies")
      .selectAll()
      .where(inScope(scope))
      .where("storefront_id", "=", storefrontId)
      .executeTakeFirst();
  }

  async function decide(
    scope: Scope,
    r: TrialRequest,
    d: Db = db,
  ): Promise<TrialEligibility & { policy: TrialPolicy }> {
    const policy = toPolicy(r.storefrontId, await findPolicyRow(scope, r.storefrontId, d));
    const base = { object: "trial_eligibility" as const, customer: r.customer.id, price: r.price.id, policy };
    const days = r.price.trial_days;
    if (days === 0)
      return {
        ...base,
        eligible: true,
        trial_days: 0,
        rule: null,
        reason: "The price has no trial",
        previous_trial: null,
      };
    const digests = digestsOf(scope, r);
    const since =
      policy.lookback_days === null
        ? null
        : new Date(scope.clock.now().getTime() - policy.lookback_days * DAY_MS).toISOString();
    for (const identity of policy.one_per) {
      let q = d
        .selectFrom("trial_claims")
        .selectAll()
        .where(inScope(scope))
        .where("storefront_id", "=", r.storefrontId);
      if (policy.family === "bundle") q = q.where("bundle_id", "=", r.bundleId);
      if (since) q = q.where("started_at", ">=", since);
      if (identity === "customer") q = q.where("customer_id", "=", r.customer.id);
      else {
        const value = digests[identity];
        if (value === null) continue;
        q = q.where(DIGEST_COLUMN[identity], "=", value);
      }
      const claim: TrialClaimRow | undefined = await q.orderBy("started_at", "desc").limit(1).executeTakeFirst();
      if (claim) {
        return {
          ...base,
          eligible: false,
          trial_days: days,
          rule: `one_per_${identity}`,
          reason: `A trial was already started under this ${identity.replace("_", " ")}${policy.family === "bundle" ? " for this bundle" : ""}`,
          previous_trial: { subscription: claim.subscription_id, started_at: claim.started_at },
        };
      }
    }
    return {
      ...base,
      eligible: true,
      trial_days: days,
      rule: null,
      reason: "No rule of the storefront's policy matched",
      previous_trial: null,
    };
  }

  return {
    async getPolicy(scope: Scope, storefrontRef: string): Promise<TrialPolicy> {
      const storefront = await o.storefronts.requireStorefront(scope, storefrontRef);
      return toPolicy(storefront.id, await findPolicyRow(scope, storefront.id));
    },

    async updatePolicy(scope: Scope, storefrontRef: string, input: UpdateTrialPolicy): Promise<TrialPolicy> {
      const storefront = await o.storefronts.requireStorefront(scope, storefrontRef);
      const current = toPolicy(storefront.id, await findPolicyRow(scope, storefront.id));
      const next = { ...current, ...input, updated_at: isoNow(scope.clock) };
      const row: TrialPolicyRow = {
        storefront_id: storefront.id,
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        one_per: toJson([...new Set(next.one_per)]),
        family: next.family,
        lookback_days: next.lookback_days,
        on_ineligible: next.on_ineligible,
        updated_at: next.updated_at,
      };
      await db
        .insertInto("trial_policies")
        .values(row)
        .onConflict((oc) => oc.column("storefront_id").doUpdateSet(row))
        .execute();
      return toPolicy(storefront.id, row);
    },

    /** GET …/eligibility: the answer and the rule that decided it, without recording anything. */
    async eligibility(
      scope: Scope,
      customerId: string,
      priceId: string | undefined,
      identity: TrialIdentityInput,
    ): Promise<TrialEligibility> {
      const customer = await o.customers.requireCustomer(scope, customerId);
      if (!priceId) {
        throw new ApiError("VALIDATION_FAILED", "price is required", {
          errors: [{ path: "query.price", message: "is required" }],
        });
      }
      const found = await o.catalog.getPrice(scope, priceId).catch((error) => {
        if (!(error instanceof ApiError) || error.code !== "NOT_FOUND") throw error;
        throw new ApiError("VALIDATION_FAILED", `No price "${priceId}"`, {
          errors: [{ path: "query.price", message: "no such price in this environment" }],
        });
      });
      const { policy: _, ...decision } = await decide(scope, {
        customer,
        price: found.price,
        bundleId: found.bundle.id,
        storefrontId: customer.storefront,
        identity,
      });
      return decision;
    },

    /**
     * For subscription creation, when a trial is asked for: decides and, when eligible, claims the
     * trial in one transaction under a per-storefront lock (Postgres; SQLite runs one writer), so
     * two sign-ups racing with the same identity cannot both get it. The decision is recorded as
     * the `trial.eligibility_decided` event (so in the audit trail). The caller settles the claim
     * once the subscription exists (`settle`), or drops it when creation failed.
     */
    async gate(
      scope: Scope,
      r: TrialRequest,
    ): Promise<{
      eligible: boolean;
      onIneligible: TrialPolicy["on_ineligible"];
      decision: TrialEligibility;
      claim: string | null;
    }> {
      return db.transaction().execute(async (tx) => {
        if (deps.dialect === "postgres") {
          await sql`select pg_advisory_xact_lock(hashtext(${`trial:${r.storefrontId}`}))`.execute(tx);
        }
        const { policy, ...decision } = await decide(scope, r, tx);
        let claim: string | null = null;
        if (decision.eligible && decision.trial_days > 0) {
          claim = newId("trial_claim");
          const digests = digestsOf(scope, r);
          await tx
            .insertInto("trial_claims")
            .values({
              id: claim,
              tenant_id: scope.tenantId,
              environment_id: scope.environmentId,
              storefront_id: r.storefrontId,
              bundle_id: r.bundleId,
              customer_id: r.customer.id,
              subscription_id: null,
              email_digest: digests.email,
              payment_method_digest: digests.payment_method,
              device_digest: digests.device,
              msisdn_digest: digests.msisdn,
              started_at: isoNow(scope.clock),
            })
            .execute();
        }
        await o.events.record(tx, scope, {
          type: "trial.eligibility_decided",
          object: {
            id: `${r.customer.id}:${r.price.id}`,
            ...decision,
            outcome: decision.eligible ? "trial" : policy.on_ineligible,
          },
        });
        return { eligible: decision.eligible, onIneligible: policy.on_ineligible, decision, claim };
      });
    },

    /** Ties a claim to the subscription that took the trial, or drops it when none did. */
    async settle(scope: Scope, claim: string, subscription: { id: string; status: string } | null): Promise<void> {
      if (subscription?.status === "trial") {
        await db
          .updateTable("trial_claims")
          .set({ subscription_id: subscription.id })
          .where(inScope(scope))
          .where("id", "=", claim)
          .execute();
      } else {
        await db.deleteFrom("trial_claims").where(inScope(scope)).where("id", "=", claim).execute();
      }
    },
  };
}

export type TrialsService = ReturnType<typeof trialsService>;
export type TrialGate = Pick<TrialsService, "gate" | "settle">;
