import { CustomerEntitlements, Grants, Jwks, SigningKeys } from "./access.js";
import { Payments, Subscriptions } from "./billing.js";
import { Events, TestClocks } from "./events.js";
import { createHttp, type Http, type Query, type RequestOptions, type TesseraOptions } from "./http.js";
import { ApiKeys, Bundles, Customers, Entitlements, Prices, Storefronts } from "./resources.js";
import { WebhookEndpoints } from "./webhook-endpoints.js";

/**
 * The typed Tessera API client (server-side: it holds a secret key). Failed calls throw a
 * {@link TesseraApiError}; 408/429/5xx answers are retried with backoff, and every POST carries
 * an `Idempotency-Key` so that a retry never does the work twice. Tenants and environments are
 * managed with the platform key's client, {@link TesseraPlatform}.
 *
 * @example
 * import { Tessera } from "@tessera/sdk";
 *
 * const tessera = new Tessera({ apiKey: process.env.TESSERA_API_KEY!, tenant: "acme", baseUrl: "https://tessera.example.com" });
 * await tessera.entitlements.create({ key: "export-pdf", name: "Export PDF", kind: "flag" });
 * const sub = await tessera.subscriptions.create({ customer: "cus_123", price: "price_123", payment_method: "pm_…" });
 * const { token } = await tessera.customerEntitlements.issueToken(sub.customer);
 */
export class Tessera {
  /** Catalog entitlements: create, list, all, retrieve, update, delete. */
  readonly entitlements: Entitlements;
  /** Bundles: create, list, all, retrieve, update, delete. */
  readonly bundles: Bundles;
  /** Prices of bundles: create, retrieve, update. */
  readonly prices: Prices;
  /** Storefronts: create, list, all, retrieve, update, delete. */
  readonly storefronts: Storefronts;
  /** Customers: create, list, all, retrieve, retrieveByExternalId, update, delete. */
  readonly customers: Customers;
  /** API keys of this environment: create, list, all, retrieve, revoke. */
  readonly apiKeys: ApiKeys;
  /** Subscriptions: create, list, all, retrieve, cancel, resume, changePlan, updatePaymentMethod, retry. */
  readonly subscriptions: Subscriptions;
  /** Payment attempts: list, all, retrieve, refund. */
  readonly payments: Payments;
  /** Lifecycle events: list, all, retrieve. */
  readonly events: Events;
  /** The environment's test clock: current, advance. */
  readonly testClocks: TestClocks;
  /** Webhook endpoints: create, list, all, retrieve, update, delete, rotateSecret, and `deliveries`. */
  readonly webhookEndpoints: WebhookEndpoints;
  /** A customer's access: retrieve (effective entitlements), check, issueToken, recordUsage. */
  readonly customerEntitlements: CustomerEntitlements;
  /** Manual grants: create, list, retrieve, revoke. */
  readonly grants: Grants;
  /** Token signing keys: list, rotate. */
  readonly signingKeys: SigningKeys;
  /** The public key sets (no API key sent): retrieve, retrieveWellKnown, url. */
  readonly jwks: Jwks;
  readonly #http: Http;

  constructor(options: TesseraOptions) {
    this.#http = createHttp(options);
    this.entitlements = new Entitlements(this.#http);
    this.bundles = new Bundles(this.#http);
    this.prices = new Prices(this.#http);
    this.storefronts = new Storefronts(this.#http);
    this.customers = new Customers(this.#http);
    this.apiKeys = new ApiKeys(this.#http);
    this.subscriptions = new Subscriptions(this.#http);
    this.payments = new Payments(this.#http);
    this.events = new Events(this.#http);
    this.testClocks = new TestClocks(this.#http);
    this.webhookEndpoints = new WebhookEndpoints(this.#http);
    this.customerEntitlements = new CustomerEntitlements(this.#http);
    this.grants = new Grants(this.#http);
    this.signingKeys = new SigningKeys(this.#http);
    this.jwks = new Jwks(this.#http, { tenant: options.tenant, baseUrl: options.baseUrl });
  }

  /**
   * Calls any endpoint with the same auth, retries and errors: for an endpoint of a newer server
   * than this SDK knows.
   *
   * @example
   * const events = await tessera.request<{ data: unknown[] }>("GET", "/v1/events", { query: { limit: 5 } });
   */
  request<T = unknown>(
    method: "GET" | "POST" | "PATCH" | "DELETE",
    path: string,
    init: RequestOptions & { json?: unknown; query?: Query } = {},
  ): Promise<T> {
    return this.#http.request<T>(method, path, init);
  }
}
