import { randomUUID } from "node:crypto";
import {
  CLAIMS_VERSION,
  type EntitlementClaim,
  type EntitlementClaims,
  type EntitlementToken,
  type IssueToken,
} from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { EffectiveEntitlement, Resolve, Resolved } from "./effective.js";
import type { SigningKeyOperations } from "./signing-keys.js";

export interface TokenSettings {
  /** Longest life of a token, seconds (default 15 min). Requests may ask for less, never more. */
  ttlSeconds: number;
  /** `iss`; default the server's public base URL. */
  issuer: string | undefined;
}

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

function claimOf(e: EffectiveEntitlement): EntitlementClaim {
  switch (e.kind) {
    case "flag":
      return true;
    case "tier":
      return { level: e.level ?? "", rank: Math.max(0, e.rank ?? 0), levels: e.levels ?? [] };
    case "quota":
      return {
        limit: e.limit ?? 0,
        used: e.used ?? 0,
        remaining: e.remaining ?? 0,
        resets_at: epoch(e.resetsAt!),
        period: e.period ?? "month",
      };
    case "content":
      return { ids: e.content ?? [] };
  }
}

/** The claims of packages/core/src/claims.ts, from a resolved customer. */
export function buildClaims(
  r: Resolved,
  scope: Scope,
  times: { iss: string; iat: number; exp: number; jti: string },
): EntitlementClaims {
  const ent: Record<string, EntitlementClaim> = {};
  for (const e of r.entitlements) {
    // A tier whose level the entitlement no longer lists has no rank to compare: leave it out
    // rather than claim the lowest level.
    if (e.kind === "tier" && (e.rank === null || e.rank < 0)) continue;
    ent[e.key] = claimOf(e);
  }
  return {
    iss: times.iss,
    sub: r.customer.id,
    aud: r.customer.storefront,
    tn: scope.tenantId,
    tn_slug: scope.tenantSlug,
    env: scope.environment,
    iat: times.iat,
    nbf: times.iat,
    exp: times.exp,
    jti: times.jti,
    ver: CLAIMS_VERSION,
    ent,
    subs: r.subscriptions.map((s) => ({
      id: s.id,
      bundle: s.bundle_key,
      status: s.status,
      current_period_end: epoch(s.current_period_end),
    })),
  };
}

export function jwksPath(scope: Pick<Scope, "tenantSlug" | "environment">): string {
  return `/v1/jwks/${encodeURIComponent(scope.tenantSlug)}/${encodeURIComponent(scope.environment)}`;
}

/**
 * Issues DESIGN §5's token. Its life is the shortest of: the server's TTL, the caller's wish, and
 * the time until the next known change (a grant expiring, a subscription changing state, a quota
 * window resetting), so a token never states something that has stopped being true. That last
 * span is measured on the environment's clock (test clocks included) and applied to wall time,
 * which is what verifiers check `exp` against.
 */
export function tokenOperations(
  deps: Deps,
  { resolve, keys, settings }: { resolve: Resolve; keys: SigningKeyOperations; settings: () => TokenSettings },
) {
  return {
    async issueToken(scope: Scope, customerId: string, input: IssueToken): Promise<EntitlementToken> {
      const resolved = await resolve(scope, customerId);
      const signer = await keys.activeSigner(scope);
      const { ttlSeconds, issuer } = settings();
      const wallMs = deps.clock.now().getTime();
      let lifeMs = Math.min(ttlSeconds, input.ttl_seconds ?? ttlSeconds) * 1000;
      if (resolved.nextChangeAt) {
        lifeMs = Math.min(lifeMs, Date.parse(resolved.nextChangeAt) - Date.parse(resolved.asOf));
      }
      const iat = Math.floor(wallMs / 1000);
      // At least one second: a change due within the second is within any verifier's clock tolerance.
      const exp = Math.max(iat + 1, Math.floor((wallMs + lifeMs) / 1000));
      const baseUrl = deps.baseUrl.replace(/\/$/, "");
      const claims = buildClaims(resolved, scope, { iss: issuer ?? baseUrl, iat, exp, jti: randomUUID() });
      return {
        object: "entitlement_token",
        token: await signer.sign(claims),
        alg: signer.alg,
        kid: signer.kid,
        issued_at: new Date(iat * 1000).toISOString(),
        expires_at: new Date(exp * 1000).toISOString(),
        expires_in: exp - iat,
        jwks_url: `${baseUrl}${jwksPath(scope)}`,
      };
    },
  };
}
