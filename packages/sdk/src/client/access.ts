import type {
  CheckEntitlementInput,
  CreateGrantInput,
  CustomerEntitlements,
  EntitlementCheck,
  EntitlementToken,
  Grant,
  IssueTokenInput,
  Jwks,
  RecordUsageInput,
  RotateSigningKeyInput,
  SigningKey,
  UsageListParams,
  UsageRecord,
} from "../generated/types.js";
import { type Http, type RequestOptions, seg } from "./http.js";
import { Namespace, type Page, paginate } from "./resources.js";

/**
 * What rotating the signing key answers: the new key, and the keys it replaced (still published
 * until every token they signed has expired).
 *
 * @example
 * const { key, previous }: SigningKeyRotation = await tessera.signingKeys.rotate();
 */
export interface SigningKeyRotation {
  key: SigningKey;
  previous: SigningKey[];
}

/**
 * A customer's access (`tessera.customerEntitlements`): effective entitlements, checks with
 * atomic quota use, metered usage, and the signed tokens the SDK verifies offline.
 */
export class CustomerEntitlementsApi extends Namespace {
  /**
   * The customer's effective entitlements: every granting subscription and active grant merged
   * (flag = OR, tier = highest, quota = sum of limits, content = union), with sources and usage.
   *
   * @example
   * const { entitlements } = await tessera.customerEntitlements.retrieve("cus_123");
   * const calls = entitlements.find((e) => e.key === "api-calls"); // { limit, used, remaining, … }
   */
  retrieve(customer: string, options?: RequestOptions): Promise<CustomerEntitlements> {
    return this.call("GET", `/v1/customers/${seg(customer)}/entitlements`, options);
  }

  /**
   * Decides whether the customer may use an entitlement now; with `consume`, takes quota units
   * atomically. A refusal is data: `allowed: false` with a code (`NOT_ENTITLED`, `QUOTA_EXCEEDED`, …).
   *
   * @example
   * const { allowed, code, remaining } = await tessera.customerEntitlements.check("cus_123", {
   *   entitlement: "api-calls", quantity: 1, consume: true });
   */
  check(customer: string, input: CheckEntitlementInput, options?: RequestOptions): Promise<EntitlementCheck> {
    return this.call("POST", `/v1/customers/${seg(customer)}/entitlements/check`, { ...options, json: input });
  }

  /**
   * Issues a signed entitlement token for offline checks with `createVerifier`. It lives
   * 15 minutes by default (`ttl_seconds` asks for less) and never past the next known change.
   *
   * @example
   * const { token, expires_at } = await tessera.customerEntitlements.issueToken("cus_123");
   * res.cookie("tessera_ent", token, { httpOnly: true, secure: true, expires: new Date(expires_at) });
   */
  issueToken(customer: string, input: IssueTokenInput = {}, options?: RequestOptions): Promise<EntitlementToken> {
    return this.call("POST", `/v1/customers/${seg(customer)}/entitlements/token`, { ...options, json: input });
  }

  /**
   * Records metered use of a quota in the window its timestamp falls in. An idempotency key (the
   * body's `idempotency_key`, or `options.idempotencyKey`) records it once, forever: a replay
   * answers the first record with `duplicate: true`.
   *
   * @example
   * const { remaining } = await tessera.customerEntitlements.recordUsage(
   *   "cus_123", { entitlement: "api-calls", quantity: 3 }, { idempotencyKey: `render-${jobId}` });
   */
  recordUsage(customer: string, input: RecordUsageInput, options?: RequestOptions): Promise<UsageRecord> {
    return this.call("POST", `/v1/customers/${seg(customer)}/usage`, { ...options, json: input });
  }

  /**
   * One page of the customer's usage records, newest recorded first: what `recordUsage` recorded
   * (`source: "usage"`) and what checks with `consume` took (`source: "check"`). Filter by
   * entitlement (id or key) and by when the use occurred (`from` ≤ timestamp < `to`).
   *
   * @example
   * const { data } = await tessera.customerEntitlements.listUsage("cus_123", { entitlement: "api-calls" });
   */
  listUsage(customer: string, params?: UsageListParams, options?: RequestOptions): Promise<Page<UsageRecord>> {
    return this.call("GET", `/v1/customers/${seg(customer)}/usage`, { ...options, query: params });
  }

  /**
   * Every usage record of the customer that matches, fetching pages as the loop goes.
   *
   * @example
   * for await (const r of tessera.customerEntitlements.allUsage("cus_123", { from: "2026-01-01T00:00:00Z" }))
   *   console.log(r.entitlement, r.quantity, r.timestamp);
   */
  allUsage(customer: string, params?: UsageListParams): AsyncGenerator<UsageRecord> {
    return paginate((page) => this.listUsage(customer, page), params);
  }
}

/** Manual grants of entitlements to a customer: comps, support fixes (`tessera.grants`). */
export class GrantsApi extends Namespace {
  /**
   * Grants an entitlement by hand, optionally until `expires_at`.
   *
   * @example
   * await tessera.grants.create("cus_123", { entitlement: "support", level: "priority", reason: "ticket 4711",
   *   expires_at: "2026-03-01T00:00:00Z" });
   */
  create(customer: string, input: CreateGrantInput, options?: RequestOptions): Promise<Grant> {
    return this.call("POST", `/v1/customers/${seg(customer)}/grants`, { ...options, json: input });
  }

  /**
   * The customer's grants (active, expired and revoked), newest first, in one page.
   *
   * @example
   * const active = (await tessera.grants.list("cus_123")).data.filter((g) => g.status === "active");
   */
  list(customer: string, options?: RequestOptions): Promise<Page<Grant>> {
    return this.call("GET", `/v1/customers/${seg(customer)}/grants`, options);
  }

  /**
   * A grant of the customer.
   *
   * @example
   * const grant = await tessera.grants.retrieve("cus_123", "grt_123");
   */
  retrieve(customer: string, grant: string, options?: RequestOptions): Promise<Grant> {
    return this.call("GET", `/v1/customers/${seg(customer)}/grants/${seg(grant)}`, options);
  }

  /**
   * Revokes a grant, effective immediately.
   *
   * @example
   * const { status } = await tessera.grants.revoke("cus_123", "grt_123"); // "revoked"
   */
  revoke(customer: string, grant: string, options?: RequestOptions): Promise<Grant> {
    return this.call("DELETE", `/v1/customers/${seg(customer)}/grants/${seg(grant)}`, options);
  }
}

/** The keys that sign the environment's entitlement tokens (`tessera.signingKeys`). */
export class SigningKeysApi extends Namespace {
  /**
   * The environment's signing keys: the active one, those still published, and retired ones.
   *
   * @example
   * const active = (await tessera.signingKeys.list()).data.find((k) => k.status === "active");
   */
  list(options?: RequestOptions): Promise<Page<SigningKey>> {
    return this.call("GET", "/v1/signing-keys", options);
  }

  /**
   * Rotates the signing key: the new key is published and signs at once; the old one stays in the
   * JWKS until every token it signed has expired (verifiers refetch on an unknown `kid`).
   *
   * @example
   * const { key, previous } = await tessera.signingKeys.rotate({ alg: "ES256" });
   */
  rotate(input: RotateSigningKeyInput = {}, options?: RequestOptions): Promise<SigningKeyRotation> {
    return this.call("POST", "/v1/signing-keys/rotate", { ...options, json: input });
  }
}

/**
 * Where the tenant (or another, by `tenant`) names the public key set of an environment.
 *
 * @example
 * const options: JwksOptions = { tenant: "acme" };
 */
export interface JwksOptions extends RequestOptions {
  /** Tenant slug or id. Default: the client's `tenant`. */
  tenant?: string;
}

/**
 * The public keys that verify entitlement tokens (`tessera.jwks`). Public endpoints: they are
 * called without the API key.
 */
export class JwksApi extends Namespace {
  readonly #tenant: string;
  readonly #baseUrl: string;

  constructor(http: Http, config: { tenant: string; baseUrl: string }) {
    super(http);
    this.#tenant = config.tenant;
    this.#baseUrl = config.baseUrl.replace(/\/+$/, "");
  }

  /**
   * The JSON Web Key Set of an environment, e.g. to save it for fully offline verification.
   *
   * @example
   * writeFileSync("jwks.json", JSON.stringify(await tessera.jwks.retrieve("production")));
   * const verifier = createVerifier({ jwks: "./jwks.json", tenant: "acme" });
   */
  retrieve(environment: string, options: JwksOptions = {}): Promise<Jwks> {
    const { tenant = this.#tenant, ...rest } = options;
    return this.call("GET", `/v1/jwks/${seg(tenant)}/${seg(environment)}`, { ...rest, anonymous: true });
  }

  /**
   * The same key set at the well-known path a verifier derives from a token alone (`iss`,
   * `tn_slug`, `env`).
   *
   * @example
   * const jwks = await tessera.jwks.retrieveWellKnown("production");
   */
  retrieveWellKnown(environment: string, options: JwksOptions = {}): Promise<Jwks> {
    const { tenant = this.#tenant, ...rest } = options;
    return this.call("GET", `/.well-known/jwks/${seg(tenant)}/${seg(environment)}`, { ...rest, anonymous: true });
  }

  /**
   * The key set's URL on this client's server, for `createVerifier` (no request is made).
   *
   * @example
   * const verifier = createVerifier({ jwks: tessera.jwks.url("production"), tenant: "acme" });
   */
  url(environment: string, options: Pick<JwksOptions, "tenant"> = {}): string {
    return `${this.#baseUrl}/v1/jwks/${seg(options.tenant ?? this.#tenant)}/${seg(environment)}`;
  }
}
