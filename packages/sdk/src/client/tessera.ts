import { createHttp, type Http, type Query, type RequestOptions, type TesseraOptions } from "./http.js";
import {
  apiKeysResource,
  bundlesResource,
  customersResource,
  entitlementsResource,
  pricesResource,
  storefrontsResource,
} from "./resources.js";

/**
 * The typed Tessera API client (server-side: it holds a secret key). Failed calls throw a
 * {@link TesseraApiError}; 408/429/5xx answers are retried with backoff, and every POST carries
 * an `Idempotency-Key` so that a retry never does the work twice.
 *
 * @example
 * import { Tessera } from "@tessera/sdk";
 *
 * const tessera = new Tessera({ apiKey: process.env.TESSERA_API_KEY!, tenant: "acme", baseUrl: "https://tessera.example.com" });
 * await tessera.entitlements.create({ key: "export-pdf", name: "Export PDF", kind: "flag" });
 * for await (const bundle of tessera.bundles.all({ status: "active" })) console.log(bundle.key);
 */
export class Tessera {
  readonly entitlements: ReturnType<typeof entitlementsResource>;
  readonly bundles: ReturnType<typeof bundlesResource>;
  readonly prices: ReturnType<typeof pricesResource>;
  readonly storefronts: ReturnType<typeof storefrontsResource>;
  readonly customers: ReturnType<typeof customersResource>;
  readonly apiKeys: ReturnType<typeof apiKeysResource>;
  readonly #http: Http;

  constructor(options: TesseraOptions) {
    this.#http = createHttp(options);
    this.entitlements = entitlementsResource(this.#http);
    this.bundles = bundlesResource(this.#http);
    this.prices = pricesResource(this.#http);
    this.storefronts = storefrontsResource(this.#http);
    this.customers = customersResource(this.#http);
    this.apiKeys = apiKeysResource(this.#http);
  }

  /**
   * Calls an endpoint the typed namespaces do not cover yet, with the same auth, retries and errors.
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
