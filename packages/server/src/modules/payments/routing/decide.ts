import type {
  PaymentChannel,
  PaymentMethodType,
  PaymentRoutingSettings,
  ProviderFeature,
  RoutingCandidate,
  RoutingDecision,
} from "@tessera/core";
import type { Capabilities } from "../provider.js";

/*
 * The routing decision as a pure function of its inputs, so it can be explained, previewed and
 * property-tested: rules choose candidates, hard requirements exclude some, the rest are scored by
 * success rate, cost and geography, and a PSP whose circuit breaker is open goes to the back.
 */

export interface RouteInputs {
  country: string | null;
  currency: string;
  amount: number;
  methodType: PaymentMethodType;
  channel: PaymentChannel;
}

export interface ProviderFacts {
  name: string;
  /** Registered with this server (an unknown name in a storefront is skipped). */
  registered: boolean;
  capabilities: Capabilities | null;
  /** null: the payment names no stored method, any PSP may try the raw token. */
  holdsMethod: boolean | null;
  /** Decayed success rate with its prior, and the decayed number of attempts behind it. */
  successRate: number;
  observations: number;
  /** Its circuit breaker is open: tried only after the others. */
  breakerOpen: boolean;
}

export interface DecideInput {
  inputs: RouteInputs;
  /** The storefront's providers in its configured order (ties keep it). */
  providers: ProviderFacts[];
  settings: PaymentRoutingSettings;
  decidedAt: string;
}

const FEATURE_CAPABILITY: Record<ProviderFeature, keyof Capabilities> = {
  separate_capture: "separateCapture",
  partial_capture: "partialCapture",
  void: "void",
  partial_refund: "partialRefund",
  multiple_refunds: "multipleRefunds",
  customer_actions: "customerActions",
  vaulting: "vaulting",
};

type Rule = PaymentRoutingSettings["rules"][number];

function matches(rule: Rule, i: RouteInputs): boolean {
  if (rule.countries && (i.country === null || !rule.countries.includes(i.country))) return false;
  if (rule.currencies && !rule.currencies.includes(i.currency)) return false;
  if (rule.min_amount !== undefined && i.amount < rule.min_amount) return false;
  if (rule.max_amount !== undefined && i.amount > rule.max_amount) return false;
  if (rule.method_types && !rule.method_types.includes(i.methodType)) return false;
  if (rule.channels && !rule.channels.includes(i.channel)) return false;
  return true;
}

/** The fee of a payment at a provider (its row for the currency, else its any-currency row); null: no fee known. */
export function feeOf(settings: PaymentRoutingSettings, provider: string, currency: string, amount: number) {
  const rows = settings.fees.filter((f) => f.provider === provider);
  const row = rows.find((f) => f.currency === currency) ?? rows.find((f) => f.currency === undefined);
  if (!row) return null;
  // Integer minor units: the percentage part rounds half up, as acquirers bill it.
  return Math.round((amount * row.percent_bps) / 10_000) + row.fixed;
}

function excluded(p: ProviderFacts, settings: PaymentRoutingSettings): string | null {
  if (!p.registered || !p.capabilities) return "not registered on this server";
  if (p.holdsMethod === false) return "the payment method is not vaulted at this provider";
  const missing = settings.required_features.filter((f) => !p.capabilities![FEATURE_CAPABILITY[f]]);
  if (missing.length) return `lacks required features: ${missing.join(", ")}`;
  return null;
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

export function decideRoute({ inputs, providers, settings, decidedAt }: DecideInput): RoutingDecision {
  const rule = settings.rules.find((r) => matches(r, inputs)) ?? null;
  const inLine = rule ? rule.providers.flatMap((name) => providers.filter((p) => p.name === name)) : providers;
  const preferredHere = new Set(
    inputs.country === null
      ? []
      : settings.geography.filter((g) => g.countries.includes(inputs.country!)).flatMap((g) => g.providers),
  );
  const fees = new Map(inLine.map((p) => [p.name, feeOf(settings, p.name, inputs.currency, inputs.amount)]));
  const known = [...fees.values()].filter((f): f is number => f !== null);
  const [cheapest, dearest] = known.length ? [Math.min(...known), Math.max(...known)] : [0, 0];
  const w = settings.weights;
  const total = w.success + w.cost + w.geography + w.order || 1;
  // The configured order: 1 for the first provider in line, 0 for the last.
  const rank = (order: number) => (inLine.length > 1 ? (inLine.length - 1 - order) / (inLine.length - 1) : 1);

  const scored = inLine.map((p, order) => {
    const why = excluded(p, settings);
    const fee = fees.get(p.name) ?? null;
    // Cheapest 1, dearest 0; an unknown fee is neither rewarded nor punished (0.5).
    const cost = fee === null ? 0.5 : dearest === cheapest ? 1 : (dearest - fee) / (dearest - cheapest);
    const preferred = preferredHere.has(p.name);
    const score =
      (w.success * p.successRate + w.cost * cost + w.geography * (preferred ? 1 : 0) + w.order * rank(order)) / total;
    const candidate: RoutingCandidate = {
      provider: p.name,
      eligible: why === null,
      excluded: why,
      score: why === null ? round(score) : null,
      success_rate: round(p.successRate),
      observations: round(p.observations),
      fee,
      preferred,
    };
    return { candidate, order, breakerOpen: p.breakerOpen };
  });
  const eligible = scored
    .filter((s) => s.candidate.eligible)
    .sort(
      (a, b) =>
        Number(a.breakerOpen) - Number(b.breakerOpen) || b.candidate.score! - a.candidate.score! || a.order - b.order,
    );
  const chosen = eligible[0];
  const ruleText = rule ? `rule "${rule.name}"` : "no rule matched, every provider";
  let reason: string;
  if (!chosen) reason = `${ruleText}: no eligible provider`;
  else if (chosen.breakerOpen)
    reason = `${ruleText}: every eligible provider's circuit breaker is open; probing ${chosen.candidate.provider}`;
  else {
    const runnerUp = eligible[1];
    const margin = runnerUp
      ? `, ahead of ${runnerUp.candidate.provider} (${runnerUp.candidate.score})`
      : ", the only eligible provider";
    const demoted = eligible.filter((e) => e.breakerOpen).map((e) => e.candidate.provider);
    reason =
      `${ruleText}: ${chosen.candidate.provider} scored ${chosen.candidate.score}${margin}` +
      (demoted.length ? `; breaker open: ${demoted.join(", ")}` : "");
  }
  return {
    inputs: {
      country: inputs.country,
      currency: inputs.currency,
      amount: inputs.amount,
      method_type: inputs.methodType,
      channel: inputs.channel,
    },
    rule: rule?.name ?? null,
    candidates: [
      ...eligible.map((e) => e.candidate),
      ...scored.filter((s) => !s.candidate.eligible).map((s) => s.candidate),
    ],
    chosen: chosen?.candidate.provider ?? null,
    reason,
    decided_at: decidedAt,
  };
}

/** The providers to try, in order: the decision's eligible candidates. */
export function failoverOrder(decision: RoutingDecision): string[] {
  return decision.candidates.filter((c) => c.eligible).map((c) => c.provider);
}
