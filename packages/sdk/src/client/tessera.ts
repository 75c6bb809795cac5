import { CustomerEntitlementsApi, GrantsApi, JwksApi, SigningKeysApi } from "./access.js";
import { AuditApi } from "./audit.js";
import { DisputesApi, PaymentsApi, SubscriptionsApi } from "./billing.js";
import { CampaignsApi } from "./campaigns.js";
import { ChannelsApi } from "./channels.js";
import { EventsApi, TestClocksApi } from "./events.js";
import { createHttp, type Http, type Query, type RequestOptions, type TesseraOptions } from "./http.js";
import { BillingDetailsApi, CreditNotesApi, InvoicesApi, LegalEntitiesApi } from "./invoicing.js";
import { MetricsApi } from "./metrics.js";
import { PaymentMethodsApi, PaymentRoutingApi } from "./payment-methods.js";
import { PriceChangesApi } from "./price-changes.js";
import { ConsentsApi, PrivacyApi, RetentionApi } from "./privacy.js";
import { ApiKeysApi, BundlesApi, CustomersApi, EntitlementsApi, PricesApi, StorefrontsApi } from "./resources.js";
import { SafeModeApi, TrialsApi } from "./trials.js";
import { RolesApi, UsersApi } from "./users.js";
import { WebhookEndpointsApi } from "./webhook-endpoints.js";

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
  readonly entitlements: EntitlementsApi;
  /** Bundles: create, list, all, retrieve, update, delete. */
  readonly bundles: BundlesApi;
  /** Prices of bundles: create, retrieve, update. */
  readonly prices: PricesApi;
  /** Storefronts: create, list, all, retrieve, update, delete. */
  readonly storefronts: StorefrontsApi;
  /** Customers: create, list, all, retrieve, retrieveByExternalId, update, delete. */
  readonly customers: CustomersApi;
  /** API keys of this environment: create, list, all, retrieve, revoke. */
  readonly apiKeys: ApiKeysApi;
  /** Subscriptions: create, list, all, retrieve, cancel, resume, changePlan, updatePaymentMethod, retry. */
  readonly subscriptions: SubscriptionsApi;
  /** Subscription channels of storefronts: settings, product map, links. */
  readonly channels: ChannelsApi;
  /** Payment attempts: list, all, retrieve, refund; one-off payments: create, capture, void. */
  readonly payments: PaymentsApi;
  /** Chargebacks the PSPs reported: list, all, retrieve. */
  readonly disputes: DisputesApi;
  /** Fiscal invoices: list, all, retrieve, retrieveXml, retrievePdf. */
  readonly invoices: InvoicesApi;
  /** Credit notes of refunds: list, all, retrieve, retrieveXml, retrievePdf. */
  readonly creditNotes: CreditNotesApi;
  /** A storefront's legal entity (the invoices' seller): set, retrieve. */
  readonly legalEntities: LegalEntitiesApi;
  /** A customer's billing details: set, retrieve. */
  readonly billingDetails: BillingDetailsApi;
  /** Lifecycle events: list, all, retrieve. */
  readonly events: EventsApi;
  /** The environment's test clock: current, advance. */
  readonly testClocks: TestClocksApi;
  /** Webhook endpoints: create, list, all, retrieve, update, delete, rotateSecret, and `deliveries`. */
  readonly webhookEndpoints: WebhookEndpointsApi;
  /** A customer's access: retrieve (effective entitlements), check, issueToken, recordUsage. */
  readonly customerEntitlements: CustomerEntitlementsApi;
  /** Manual grants: create, list, retrieve, revoke. */
  readonly grants: GrantsApi;
  /** Token signing keys: list, rotate. */
  readonly signingKeys: SigningKeysApi;
  /** The public key sets (no API key sent): retrieve, retrieveWellKnown, url. */
  readonly jwks: JwksApi;
  /** The tenant's users: invite, list, update, remove. */
  readonly users: UsersApi;
  /** Built-in and custom roles: list, create, change, delete. */
  readonly roles: RolesApi;
  /** The audit trail: list, all, lineage. */
  readonly audit: AuditApi;
  /** Subscription metrics: summary, history. */
  readonly metrics: MetricsApi;
  readonly paymentMethods: PaymentMethodsApi;
  readonly paymentRouting: PaymentRoutingApi;
  readonly privacy: PrivacyApi;
  /** Customers' consents: record, current, history. */
  readonly consents: ConsentsApi;
  /** Price changes for current subscribers: create, preview, retrieve, list, changes, consent, decline. */
  readonly priceChanges: PriceChangesApi;
  /** The retention policy and its runs. */
  readonly retention: RetentionApi;
  /** Trial eligibility: retrievePolicy, updatePolicy, eligibility. */
  readonly trials: TrialsApi;
  /** Coupons, promotion codes, discounts, triggered offers and the redemption ledger. */
  readonly campaigns: CampaignsApi;
  /** Safe mode holds on new charges: enter, list, exit. */
  readonly safeMode: SafeModeApi;
  readonly #http: Http;

  constructor(options: TesseraOptions) {
    this.#http = createHttp(options);
    this.entitlements = new EntitlementsApi(this.#http);
    this.bundles = new BundlesApi(this.#http);
    this.prices = new PricesApi(this.#http);
    this.storefronts = new StorefrontsApi(this.#http);
    this.customers = new CustomersApi(this.#http);
    this.apiKeys = new ApiKeysApi(this.#http);
    this.subscriptions = new SubscriptionsApi(this.#http);
    this.channels = new ChannelsApi(this.#http);
    this.payments = new PaymentsApi(this.#http);
    this.disputes = new DisputesApi(this.#http);
    this.invoices = new InvoicesApi(this.#http);
    this.creditNotes = new CreditNotesApi(this.#http);
    this.legalEntities = new LegalEntitiesApi(this.#http);
    this.billingDetails = new BillingDetailsApi(this.#http);
    this.events = new EventsApi(this.#http);
    this.testClocks = new TestClocksApi(this.#http);
    this.webhookEndpoints = new WebhookEndpointsApi(this.#http);
    this.customerEntitlements = new CustomerEntitlementsApi(this.#http);
    this.grants = new GrantsApi(this.#http);
    this.signingKeys = new SigningKeysApi(this.#http);
    this.users = new UsersApi(this.#http);
    this.roles = new RolesApi(this.#http);
    this.audit = new AuditApi(this.#http);
    this.metrics = new MetricsApi(this.#http);
    this.paymentMethods = new PaymentMethodsApi(this.#http);
    this.paymentRouting = new PaymentRoutingApi(this.#http);
    this.privacy = new PrivacyApi(this.#http);
    this.consents = new ConsentsApi(this.#http);
    this.priceChanges = new PriceChangesApi(this.#http);
    this.retention = new RetentionApi(this.#http);
    this.trials = new TrialsApi(this.#http);
    this.campaigns = new CampaignsApi(this.#http);
    this.safeMode = new SafeModeApi(this.#http);
    this.jwks = new JwksApi(this.#http, { tenant: options.tenant, baseUrl: options.baseUrl });
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
