import type { PaymentChannel, RoutingDecision } from "@tessera/core";
import type { Deps, Scope } from "../../../context.js";
import type { Db } from "../../../db/types.js";
import type { ResolvedMethod } from "../methods.js";
import type { Routing } from "../model.js";
import type { PaymentOutcome } from "../provider.js";
import type { PaymentProviderRegistry } from "../registry.js";
import { CircuitBreakers } from "./breaker.js";
import { decideRoute } from "./decide.js";
import { readStats, recordOutcome, type StatsOutcome } from "./stats.js";

export interface PlanInput {
  country: string | null;
  currency: string;
  amount: number;
  channel: PaymentChannel;
  /** The stored method being charged; undefined for a provider token given directly. */
  method: ResolvedMethod | undefined;
}

/**
 * What an attempt's outcome teaches routing. The success rate is the PSP's acceptance (approvals
 * against soft declines); a hard decline is the card's doing, and outages are the breaker's
 * business: a ten-minute outage must not weigh on a PSP for weeks.
 */
function lesson(outcome: PaymentOutcome): { stats?: StatsOutcome; breaker?: "success" | "failure" } {
  switch (outcome.status) {
    case "succeeded":
    case "authorized":
      return { stats: "ok", breaker: "success" };
    case "soft_decline":
      return { stats: "fail", breaker: "success" };
    case "hard_decline":
    case "requires_action":
    case "pending":
      return { breaker: "success" };
    case "error":
    case "unknown":
      return { breaker: "failure" };
  }
}

/** Scores and explains where a payment goes, and learns from what each attempt did. */
export function paymentRouter(deps: Deps, { registry }: { registry: PaymentProviderRegistry }) {
  const breakers = new CircuitBreakers();
  const breakerKey = (storefrontId: string, provider: string) => `${storefrontId}:${provider}`;
  const wallMs = () => deps.clock.now().getTime();

  return {
    breakers,

    async plan(d: Db, scope: Scope, route: Routing, input: PlanInput): Promise<RoutingDecision> {
      const methodType = input.method?.type ?? "card";
      const names = route.providers.map((p) => p.name);
      const stats = await readStats(d, scope, scope.clock.now().getTime(), names, {
        country: input.country,
        methodType,
      });
      const now = wallMs();
      return decideRoute({
        inputs: {
          country: input.country,
          currency: input.currency,
          amount: input.amount,
          methodType,
          channel: input.channel,
        },
        providers: names.map((name) => {
          const adapter = registry.get(name);
          const s = stats.get(name)!;
          return {
            name,
            registered: adapter !== undefined,
            capabilities: adapter?.capabilities ?? null,
            holdsMethod: input.method ? input.method.tokens.has(name) : null,
            successRate: s.successRate,
            observations: s.observations,
            breakerOpen: breakers.demoted(breakerKey(route.storefrontId, name), now),
          };
        }),
        settings: route.settings,
        decidedAt: scope.clock.now().toISOString(),
      });
    },

    /** A payment is about to go to `provider` (a half-open breaker lets it through as its probe). */
    beforeCall(storefrontId: string, provider: string) {
      breakers.beforeCall(breakerKey(storefrontId, provider), wallMs());
    },

    async learn(
      scope: Scope,
      storefrontId: string,
      provider: string,
      decision: RoutingDecision | null,
      outcome: PaymentOutcome,
    ): Promise<void> {
      const { stats, breaker } = lesson(outcome);
      const key = breakerKey(storefrontId, provider);
      if (breaker === "success") breakers.success(key);
      if (breaker === "failure") breakers.failure(key, wallMs());
      if (stats && decision)
        await recordOutcome(
          deps.db,
          scope,
          provider,
          {
            country: decision.inputs.country,
            methodType: decision.inputs.method_type,
          },
          stats,
        );
    },
  };
}

export type PaymentRouter = ReturnType<typeof paymentRouter>;
