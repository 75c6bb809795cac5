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
import { type Http, type Query, type RequestOptions, seg } from "./http.js";

// Request and response types are generated from @tessera/core's zod schemas
// (scripts/generate-types.ts), so the SDK's types stand alone and zod never reaches an app.

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

type CatalogStatus = Bundle["status"];

/** Every item of a paged list, fetching pages as the loop goes. */
async function* paginate<T>(list: (page: ListParams) => Promise<Page<T>>, params: ListParams): AsyncGenerator<T> {
  let cursor = params.starting_after;
  for (;;) {
    const page = await list({ ...params, starting_after: cursor });
    yield* page.data;
    if (!page.has_more || !page.next_cursor) return;
    cursor = page.next_cursor;
  }
}

/** Create, list, retrieve, update and delete of one collection. */
function crud<T, C, U, L extends ListParams>(http: Http, path: string) {
  const list = (params?: L, options?: RequestOptions) =>
    http.request<Page<T>>("GET", path, { ...options, query: params as Query | undefined });
  return {
    create: (body: C, options?: RequestOptions) => http.request<T>("POST", path, { ...options, json: body }),
    list,
    /** Every item across pages: `for await (const x of tessera.bundles.all()) …`. */
    all: (params?: L) => paginate<T>((page) => list({ ...params, ...page } as L), params ?? {}),
    /** By id, or by key where the collection has keys. */
    retrieve: (id: string, options?: RequestOptions) => http.request<T>("GET", `${path}/${seg(id)}`, options),
    update: (id: string, body: U, options?: RequestOptions) =>
      http.request<T>("PATCH", `${path}/${seg(id)}`, { ...options, json: body }),
    /** Deletes, or archives when other objects still refer to it (see `archived` in the result). */
    delete: (id: string, options?: RequestOptions) =>
      http.request<DeletionResult>("DELETE", `${path}/${seg(id)}`, options),
  };
}

export function entitlementsResource(http: Http) {
  return crud<Entitlement, CreateEntitlementInput, UpdateEntitlementInput, ListParams & { status?: CatalogStatus }>(
    http,
    "/v1/entitlements",
  );
}

export function bundlesResource(http: Http) {
  return crud<Bundle, CreateBundleInput, UpdateBundleInput, ListParams & { status?: CatalogStatus }>(
    http,
    "/v1/bundles",
  );
}

export function pricesResource(http: Http) {
  return {
    /** Adds a price to a bundle (prices never change what they charge: add one, archive the old). */
    create: (bundle: string, body: CreatePriceInput, options?: RequestOptions) =>
      http.request<Price>("POST", `/v1/bundles/${seg(bundle)}/prices`, { ...options, json: body }),
    retrieve: (id: string, options?: RequestOptions) => http.request<Price>("GET", `/v1/prices/${seg(id)}`, options),
    /** Archives or renames a price of a bundle. */
    update: (bundle: string, id: string, body: UpdatePriceInput, options?: RequestOptions) =>
      http.request<Price>("PATCH", `/v1/bundles/${seg(bundle)}/prices/${seg(id)}`, { ...options, json: body }),
  };
}

export function storefrontsResource(http: Http) {
  return crud<Storefront, CreateStorefrontInput, UpdateStorefrontInput, ListParams & { status?: CatalogStatus }>(
    http,
    "/v1/storefronts",
  );
}

export function customersResource(http: Http) {
  return {
    ...crud<
      Customer,
      CreateCustomerInput,
      UpdateCustomerInput,
      ListParams & { storefront?: string; external_id?: string }
    >(http, "/v1/customers"),
    /** The customer a storefront knows by your own id. */
    retrieveByExternalId: (storefront: string, externalId: string, options?: RequestOptions) =>
      http.request<Customer>(
        "GET",
        `/v1/storefronts/${seg(storefront)}/customers/by-external-id/${seg(externalId)}`,
        options,
      ),
  };
}

export function apiKeysResource(http: Http) {
  const list = (params?: ListParams, options?: RequestOptions) =>
    http.request<Page<ApiKey>>("GET", "/v1/api-keys", { ...options, query: params as Query | undefined });
  return {
    /** Creates a key in the caller's environment; the secret is in this answer only. */
    create: (body: CreateApiKeyInput = {}, options?: RequestOptions) =>
      http.request<ApiKeyWithSecret>("POST", "/v1/api-keys", { ...options, json: body }),
    list,
    all: (params?: ListParams) => paginate<ApiKey>((page) => list({ ...params, ...page }), params ?? {}),
    /** Revokes a key, effective immediately. */
    revoke: (id: string, options?: RequestOptions) =>
      http.request<ApiKey>("DELETE", `/v1/api-keys/${seg(id)}`, options),
  };
}
