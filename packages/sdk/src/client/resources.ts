import type {
  ApiKey,
  ApiKeyWithSecret,
  Bundle,
  CreateApiKeyInput,
  CreateBundleInput,
  CreateCustomerInput,
  CreateEntitlementInput,
  CreatePriceInput,
  CreateStorefrontInput,
  Customer,
  DeletionResult,
  Entitlement,
  Price,
  Storefront,
  UpdateBundleInput,
  UpdateCustomerInput,
  UpdateEntitlementInput,
  UpdatePriceInput,
  UpdateStorefrontInput,
} from "../generated/types.js";
import { type CallInit, type Http, type Method, type RequestOptions, seg } from "./http.js";

// Request and response types are generated from @tessera/core's zod schemas
// (scripts/generate-types.ts), so the SDK's types stand alone and zod never reaches an app.
// Every public method below is one operation of the server's OpenAPI document;
// test/client-coverage.test.ts fails when an operation has no method.

/**
 * One page of a list. `next_cursor` goes into `starting_after` for the next page.
 *
 * @example
 * const page: Page<Bundle> = await tessera.bundles.list({ limit: 50 });
 * if (page.has_more) await tessera.bundles.list({ starting_after: page.next_cursor! });
 */
export interface Page<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/**
 * Paging of every list call.
 *
 * @example
 * const params: ListParams = { limit: 100 };
 */
export interface ListParams {
  limit?: number;
  starting_after?: string;
}

/**
 * The status filter of catalog and storefront lists.
 *
 * @example
 * const params: CatalogListParams = { status: "active", limit: 50 };
 */
export interface CatalogListParams extends ListParams {
  status?: Bundle["status"];
}

/**
 * Filters of `customers.list`: `storefront` and `external_id` together find the one customer
 * your system knows by that id.
 *
 * @example
 * const params: CustomerListParams = { storefront: "web", external_id: "user-42" };
 */
export interface CustomerListParams extends ListParams {
  storefront?: string;
  external_id?: string;
}

/** Every item of a paged list, fetching pages as the loop goes. */
export async function* paginate<T, P extends ListParams>(
  list: (params: P) => Promise<Page<T>>,
  params: P = {} as P,
): AsyncGenerator<T> {
  let cursor = params.starting_after;
  for (;;) {
    const page = await list({ ...params, starting_after: cursor });
    yield* page.data;
    if (!page.has_more || !page.next_cursor) return;
    cursor = page.next_cursor;
  }
}

/** A namespace of the client: one area of the API over the client's HTTP layer. */
export abstract class Namespace {
  readonly #http: Http;

  constructor(http: Http) {
    this.#http = http;
  }

  /** One call, with the client's auth, retries, idempotency and typed errors. */
  protected call<T>(method: Method, path: string, init?: CallInit): Promise<T> {
    return this.#http.request<T>(method, path, init);
  }
}

/** The catalog's entitlements: what customers can be granted (`tessera.entitlements`). */
export class EntitlementsApi extends Namespace {
  /**
   * Creates an entitlement (`flag`, `tier` with its levels, `quota` or `content`).
   *
   * @example
   * await tessera.entitlements.create({ key: "support", name: "Support", kind: "tier", levels: ["basic", "priority"] });
   */
  create(input: CreateEntitlementInput, options?: RequestOptions): Promise<Entitlement> {
    return this.call("POST", "/v1/entitlements", { ...options, json: input });
  }

  /**
   * One page of entitlements.
   *
   * @example
   * const { data } = await tessera.entitlements.list({ status: "active", limit: 100 });
   */
  list(params?: CatalogListParams, options?: RequestOptions): Promise<Page<Entitlement>> {
    return this.call("GET", "/v1/entitlements", { ...options, query: params });
  }

  /**
   * Every entitlement, fetching pages as the loop goes.
   *
   * @example
   * for await (const e of tessera.entitlements.all()) console.log(e.key, e.kind);
   */
  all(params?: CatalogListParams): AsyncGenerator<Entitlement> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * An entitlement by id or key.
   *
   * @example
   * const pdf = await tessera.entitlements.retrieve("export-pdf");
   */
  retrieve(idOrKey: string, options?: RequestOptions): Promise<Entitlement> {
    return this.call("GET", `/v1/entitlements/${seg(idOrKey)}`, options);
  }

  /**
   * Updates an entitlement (its key and kind are fixed).
   *
   * @example
   * await tessera.entitlements.update("support", { name: "Support plan" });
   */
  update(idOrKey: string, input: UpdateEntitlementInput, options?: RequestOptions): Promise<Entitlement> {
    return this.call("PATCH", `/v1/entitlements/${seg(idOrKey)}`, { ...options, json: input });
  }

  /**
   * Deletes an entitlement, or archives it while a bundle still grants it (see `archived`).
   *
   * @example
   * const { archived } = await tessera.entitlements.delete("export-pdf");
   */
  delete(idOrKey: string, options?: RequestOptions): Promise<DeletionResult> {
    return this.call("DELETE", `/v1/entitlements/${seg(idOrKey)}`, options);
  }
}

/** Bundles: entitlements sold together, with their prices (`tessera.bundles`). */
export class BundlesApi extends Namespace {
  /**
   * Creates a bundle with its entitlements and prices, all or nothing.
   *
   * @example
   * await tessera.bundles.create({ key: "pro", name: "Pro", entitlements: [{ key: "export-pdf" }],
   *   prices: [{ currency: "EUR", amount: 999, interval: "month" }] });
   */
  create(input: CreateBundleInput, options?: RequestOptions): Promise<Bundle> {
    return this.call("POST", "/v1/bundles", { ...options, json: input });
  }

  /**
   * One page of bundles, newest first.
   *
   * @example
   * const { data } = await tessera.bundles.list({ status: "active" });
   */
  list(params?: CatalogListParams, options?: RequestOptions): Promise<Page<Bundle>> {
    return this.call("GET", "/v1/bundles", { ...options, query: params });
  }

  /**
   * Every bundle, fetching pages as the loop goes.
   *
   * @example
   * for await (const bundle of tessera.bundles.all({ status: "active" })) console.log(bundle.key);
   */
  all(params?: CatalogListParams): AsyncGenerator<Bundle> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * A bundle by id or key, with its entitlements and prices.
   *
   * @example
   * const pro = await tessera.bundles.retrieve("pro");
   */
  retrieve(idOrKey: string, options?: RequestOptions): Promise<Bundle> {
    return this.call("GET", `/v1/bundles/${seg(idOrKey)}`, options);
  }

  /**
   * Updates a bundle; entitlements, when sent, replace the list.
   *
   * @example
   * await tessera.bundles.update("pro", { entitlements: [{ key: "export-pdf" }, { key: "support", level: "priority" }] });
   */
  update(idOrKey: string, input: UpdateBundleInput, options?: RequestOptions): Promise<Bundle> {
    return this.call("PATCH", `/v1/bundles/${seg(idOrKey)}`, { ...options, json: input });
  }

  /**
   * Deletes a bundle, or archives it while a storefront sells it or a subscription uses it.
   *
   * @example
   * const { deleted, archived } = await tessera.bundles.delete("pro");
   */
  delete(idOrKey: string, options?: RequestOptions): Promise<DeletionResult> {
    return this.call("DELETE", `/v1/bundles/${seg(idOrKey)}`, options);
  }
}

/** Prices of bundles (`tessera.prices`): what a price charges never changes; add one, archive the old. */
export class PricesApi extends Namespace {
  /**
   * Adds a price to a bundle (id or key).
   *
   * @example
   * const yearly = await tessera.prices.create("pro", { currency: "EUR", amount: 9990, interval: "year" });
   */
  create(bundle: string, input: CreatePriceInput, options?: RequestOptions): Promise<Price> {
    return this.call("POST", `/v1/bundles/${seg(bundle)}/prices`, { ...options, json: input });
  }

  /**
   * A price by id.
   *
   * @example
   * const price = await tessera.prices.retrieve("price_123");
   */
  retrieve(id: string, options?: RequestOptions): Promise<Price> {
    return this.call("GET", `/v1/prices/${seg(id)}`, options);
  }

  /**
   * Renames or archives a price of a bundle.
   *
   * @example
   * await tessera.prices.update("pro", "price_123", { status: "archived" });
   */
  update(bundle: string, id: string, input: UpdatePriceInput, options?: RequestOptions): Promise<Price> {
    return this.call("PATCH", `/v1/bundles/${seg(bundle)}/prices/${seg(id)}`, { ...options, json: input });
  }
}

/** Storefronts: the sales channels that sell bundles (`tessera.storefronts`). */
export class StorefrontsApi extends Namespace {
  /**
   * Creates a storefront; provider credentials are encrypted and never returned.
   *
   * @example
   * await tessera.storefronts.create({ key: "web", name: "Web shop", type: "web", bundles: ["pro"],
   *   payment_providers: [{ name: "sandbox" }] });
   */
  create(input: CreateStorefrontInput, options?: RequestOptions): Promise<Storefront> {
    return this.call("POST", "/v1/storefronts", { ...options, json: input });
  }

  /**
   * One page of storefronts, newest first.
   *
   * @example
   * const { data } = await tessera.storefronts.list({ status: "active" });
   */
  list(params?: CatalogListParams, options?: RequestOptions): Promise<Page<Storefront>> {
    return this.call("GET", "/v1/storefronts", { ...options, query: params });
  }

  /**
   * Every storefront, fetching pages as the loop goes.
   *
   * @example
   * for await (const sf of tessera.storefronts.all()) console.log(sf.key, sf.bundles);
   */
  all(params?: CatalogListParams): AsyncGenerator<Storefront> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * A storefront by id or key.
   *
   * @example
   * const web = await tessera.storefronts.retrieve("web");
   */
  retrieve(idOrKey: string, options?: RequestOptions): Promise<Storefront> {
    return this.call("GET", `/v1/storefronts/${seg(idOrKey)}`, options);
  }

  /**
   * Updates a storefront. Lists sent replace the stored ones; a provider sent without
   * `credentials` keeps its stored credentials, `credentials: {}` clears them.
   *
   * @example
   * await tessera.storefronts.update("web", { bundles: ["pro", "team"] });
   */
  update(idOrKey: string, input: UpdateStorefrontInput, options?: RequestOptions): Promise<Storefront> {
    return this.call("PATCH", `/v1/storefronts/${seg(idOrKey)}`, { ...options, json: input });
  }

  /**
   * Deletes a storefront, or archives it while it has customers.
   *
   * @example
   * const { archived } = await tessera.storefronts.delete("web");
   */
  delete(idOrKey: string, options?: RequestOptions): Promise<DeletionResult> {
    return this.call("DELETE", `/v1/storefronts/${seg(idOrKey)}`, options);
  }
}

/** Customers of storefronts (`tessera.customers`). */
export class CustomersApi extends Namespace {
  /**
   * Creates a customer of a storefront; `external_id` (your own id) is unique per storefront.
   *
   * @example
   * const customer = await tessera.customers.create({ storefront: "web", external_id: "user-42", email: "ada@example.com" });
   */
  create(input: CreateCustomerInput, options?: RequestOptions): Promise<Customer> {
    return this.call("POST", "/v1/customers", { ...options, json: input });
  }

  /**
   * One page of customers, newest first.
   *
   * @example
   * const { data: [match] } = await tessera.customers.list({ storefront: "web", external_id: "user-42" });
   */
  list(params?: CustomerListParams, options?: RequestOptions): Promise<Page<Customer>> {
    return this.call("GET", "/v1/customers", { ...options, query: params });
  }

  /**
   * Every customer, fetching pages as the loop goes.
   *
   * @example
   * for await (const customer of tessera.customers.all({ storefront: "web" })) console.log(customer.id);
   */
  all(params?: CustomerListParams): AsyncGenerator<Customer> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * A customer by id.
   *
   * @example
   * const customer = await tessera.customers.retrieve("cus_123");
   */
  retrieve(id: string, options?: RequestOptions): Promise<Customer> {
    return this.call("GET", `/v1/customers/${seg(id)}`, options);
  }

  /**
   * The customer a storefront (id or key) knows by your own id; a 404 `TesseraApiError` when none.
   *
   * @example
   * const customer = await tessera.customers.retrieveByExternalId("web", "user-42");
   */
  retrieveByExternalId(storefront: string, externalId: string, options?: RequestOptions): Promise<Customer> {
    return this.call("GET", `/v1/storefronts/${seg(storefront)}/customers/by-external-id/${seg(externalId)}`, options);
  }

  /**
   * Updates a customer (the storefront and external_id are fixed; null clears a field).
   *
   * @example
   * await tessera.customers.update("cus_123", { email: "ada@example.com", name: null });
   */
  update(id: string, input: UpdateCustomerInput, options?: RequestOptions): Promise<Customer> {
    return this.call("PATCH", `/v1/customers/${seg(id)}`, { ...options, json: input });
  }

  /**
   * Deletes a customer.
   *
   * @example
   * await tessera.customers.delete("cus_123");
   */
  delete(id: string, options?: RequestOptions): Promise<DeletionResult> {
    return this.call("DELETE", `/v1/customers/${seg(id)}`, options);
  }
}

/** API keys of the caller's environment (`tessera.apiKeys`; needs `keys:manage`). */
export class ApiKeysApi extends Namespace {
  /**
   * Creates a key in the caller's environment; the secret is in this answer only.
   *
   * @example
   * const { secret } = await tessera.apiKeys.create({ name: "ci", scopes: ["catalog:read"] });
   */
  create(input: CreateApiKeyInput = {}, options?: RequestOptions): Promise<ApiKeyWithSecret> {
    return this.call("POST", "/v1/api-keys", { ...options, json: input });
  }

  /**
   * One page of the environment's keys (never their secrets).
   *
   * @example
   * const { data } = await tessera.apiKeys.list();
   */
  list(params?: ListParams, options?: RequestOptions): Promise<Page<ApiKey>> {
    return this.call("GET", "/v1/api-keys", { ...options, query: params });
  }

  /**
   * Every key of the environment, fetching pages as the loop goes.
   *
   * @example
   * for await (const key of tessera.apiKeys.all()) console.log(key.name, key.scopes);
   */
  all(params?: ListParams): AsyncGenerator<ApiKey> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * A key by id (never its secret).
   *
   * @example
   * const key = await tessera.apiKeys.retrieve("key_123");
   */
  retrieve(id: string, options?: RequestOptions): Promise<ApiKey> {
    return this.call("GET", `/v1/api-keys/${seg(id)}`, options);
  }

  /**
   * Revokes a key, effective immediately.
   *
   * @example
   * await tessera.apiKeys.revoke("key_123");
   */
  revoke(id: string, options?: RequestOptions): Promise<ApiKey> {
    return this.call("DELETE", `/v1/api-keys/${seg(id)}`, options);
  }
}
