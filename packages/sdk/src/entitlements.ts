import type {
  ContentClaim,
  EntitlementClaim,
  EntitlementClaims,
  QuotaClaim,
  SubscriptionClaim,
  TierClaim,
} from "./generated/types.js";

/**
 * A quota as of the token's issue time.
 *
 * @example
 * const calls: Quota | undefined = ent.quota("api-calls");
 * if (calls && calls.remaining === 0) return res.status(429).send(`resets ${calls.resetsAt.toISOString()}`);
 */
export interface Quota {
  limit: number;
  used: number;
  remaining: number;
  resetsAt: Date;
  period: QuotaClaim["period"];
}

/**
 * A granting subscription carried in the token (the API's subscription object is `Subscription`).
 *
 * @example
 * for (const sub of ent.subscriptions) console.log(sub.bundle, sub.status, sub.currentPeriodEnd);
 */
export interface TokenSubscription {
  id: string;
  bundle: string;
  status: SubscriptionClaim["status"];
  currentPeriodEnd: Date;
}

/**
 * What a verified token grants. Built once per token and cached with it, so every method is a
 * property read. Keys that are absent are not granted: every check fails closed.
 *
 * @example
 * const ent = await verifier.verify(token);
 * if (ent.has("export-pdf")) exportPdf();
 * if (ent.atLeast("support", "priority")) openPriorityQueue();
 * const calls = ent.quota("api-calls"); // { limit, used, remaining, resetsAt, period } | undefined
 */
export class Entitlements {
  /** The verified claims, as issued. */
  readonly claims: EntitlementClaims;
  #content?: Map<string, Set<string>>;

  constructor(claims: EntitlementClaims) {
    this.claims = claims;
  }

  /** The customer the token was issued for (`sub`). */
  get customerId(): string {
    return this.claims.sub;
  }

  /** The storefront the token was issued for (`aud`). */
  get storefrontId(): string {
    return this.claims.aud;
  }

  /** The tenant id (`tn`). */
  get tenantId(): string {
    return this.claims.tn;
  }

  /** The environment name (`env`), e.g. `production`. */
  get environment(): string {
    return this.claims.env;
  }

  /** When the token stops being valid (`exp`). */
  get expiresAt(): Date {
    return new Date(this.claims.exp * 1000);
  }

  /** The granting subscriptions. */
  get subscriptions(): TokenSubscription[] {
    return this.claims.subs.map((s) => ({
      id: s.id,
      bundle: s.bundle,
      status: s.status,
      currentPeriodEnd: new Date(s.current_period_end * 1000),
    }));
  }

  /** Every granted entitlement key. */
  keys(): string[] {
    return Object.keys(this.claims.ent);
  }

  /** True when the entitlement is granted, whatever its kind (an exhausted quota is still granted). */
  has(key: string): boolean {
    return this.#raw(key) !== undefined;
  }

  /** The granted level of a tier entitlement, or undefined. */
  tier(key: string): string | undefined {
    return asTier(this.#raw(key))?.level;
  }

  /**
   * True when the granted tier is `level` or above. `level` may be a level name or a rank (its
   * index in the entitlement's ordered levels). A name the token does not list compares false.
   */
  atLeast(key: string, level: string | number): boolean {
    const tier = asTier(this.#raw(key));
    if (!tier) return false;
    if (typeof level === "number") return tier.rank >= level;
    if (tier.level === level) return true;
    const rank = tier.levels?.indexOf(level) ?? -1;
    return rank >= 0 && tier.rank >= rank;
  }

  /** A quota entitlement's limit and usage, or undefined when not granted. */
  quota(key: string): Quota | undefined {
    const v = this.#raw(key);
    if (typeof v !== "object" || !("limit" in v)) return undefined;
    return {
      limit: v.limit,
      used: v.used,
      remaining: v.remaining,
      resetsAt: new Date(v.resets_at * 1000),
      period: v.period,
    };
  }

  /** The content ids of a content entitlement (empty when not granted). */
  content(key: string): readonly string[] {
    return asContent(this.#raw(key))?.ids ?? [];
  }

  /** True when the content entitlement grants the content id. */
  hasContent(key: string, id: string): boolean {
    const content = asContent(this.#raw(key));
    if (!content) return false;
    // A Set per key, built on first use: content lists can hold thousands of ids.
    this.#content ??= new Map();
    let ids = this.#content.get(key);
    if (!ids) {
      ids = new Set(content.ids);
      this.#content.set(key, ids);
    }
    return ids.has(id);
  }

  /** A plain snapshot for logs or JSON responses. */
  toJSON(): { customerId: string; expiresAt: string; entitlements: Record<string, EntitlementClaim> } {
    return { customerId: this.customerId, expiresAt: this.expiresAt.toISOString(), entitlements: this.claims.ent };
  }

  #raw(key: string): EntitlementClaim | undefined {
    // Own keys only: a key such as "constructor" must not find Object.prototype's.
    return Object.hasOwn(this.claims.ent, key) ? this.claims.ent[key] : undefined;
  }
}

function asTier(v: EntitlementClaim | undefined): TierClaim | undefined {
  return typeof v === "object" && "level" in v ? v : undefined;
}

function asContent(v: EntitlementClaim | undefined): ContentClaim | undefined {
  return typeof v === "object" && "ids" in v ? v : undefined;
}
