import type {
  CreateWebhookEndpointInput,
  Deleted,
  RotateWebhookSecretInput,
  UpdateWebhookEndpointInput,
  WebhookDelivery,
  WebhookDeliveryListParams,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
} from "../generated/types.js";
import { type Http, type RequestOptions, seg } from "./http.js";
import { type ListParams, Namespace, type Page, paginate } from "./resources.js";

/** The delivery log of webhook endpoints (`tessera.webhookEndpoints.deliveries`). */
export class WebhookDeliveriesApi extends Namespace {
  /**
   * One page of an endpoint's deliveries with their attempts, newest first.
   *
   * @example
   * const { data } = await tessera.webhookEndpoints.deliveries.list("we_123", { status: "failed" });
   */
  list(endpoint: string, params?: WebhookDeliveryListParams, options?: RequestOptions): Promise<Page<WebhookDelivery>> {
    return this.call("GET", `/v1/webhook-endpoints/${seg(endpoint)}/deliveries`, { ...options, query: params });
  }

  /**
   * Every delivery of an endpoint that matches, fetching pages as the loop goes.
   *
   * @example
   * for await (const d of tessera.webhookEndpoints.deliveries.all("we_123")) console.log(d.event_type, d.status);
   */
  all(endpoint: string, params?: WebhookDeliveryListParams): AsyncGenerator<WebhookDelivery> {
    return paginate((page) => this.list(endpoint, page), params);
  }

  /**
   * One delivery with its attempts.
   *
   * @example
   * const { attempts } = await tessera.webhookEndpoints.deliveries.retrieve("we_123", "whd_123");
   */
  retrieve(endpoint: string, delivery: string, options?: RequestOptions): Promise<WebhookDelivery> {
    return this.call("GET", `/v1/webhook-endpoints/${seg(endpoint)}/deliveries/${seg(delivery)}`, options);
  }

  /**
   * Sends a delivery again now (same `webhook-id`), as a new attempt.
   *
   * @example
   * const { status } = await tessera.webhookEndpoints.deliveries.retry("we_123", "whd_123");
   */
  retry(endpoint: string, delivery: string, options?: RequestOptions): Promise<WebhookDelivery> {
    return this.call("POST", `/v1/webhook-endpoints/${seg(endpoint)}/deliveries/${seg(delivery)}/retry`, options);
  }
}

/**
 * Where Tessera sends signed webhooks (`tessera.webhookEndpoints`). Verify deliveries with
 * `verifyWebhook(secret, headers, body)`.
 */
export class WebhookEndpointsApi extends Namespace {
  /** The delivery log of an endpoint: list, retrieve, retry. */
  readonly deliveries: WebhookDeliveriesApi;

  constructor(http: Http) {
    super(http);
    this.deliveries = new WebhookDeliveriesApi(http);
  }

  /**
   * Creates an endpoint; its signing secret (`whsec_…`) is in this answer only.
   *
   * @example
   * const { id, secret } = await tessera.webhookEndpoints.create({ url: "https://example.com/hooks/tessera",
   *   enabled_events: ["subscription.*", "payment.failed"] });
   */
  create(input: CreateWebhookEndpointInput, options?: RequestOptions): Promise<WebhookEndpointWithSecret> {
    return this.call("POST", "/v1/webhook-endpoints", { ...options, json: input });
  }

  /**
   * One page of endpoints, newest first.
   *
   * @example
   * const { data } = await tessera.webhookEndpoints.list();
   */
  list(params?: ListParams, options?: RequestOptions): Promise<Page<WebhookEndpoint>> {
    return this.call("GET", "/v1/webhook-endpoints", { ...options, query: params });
  }

  /**
   * Every endpoint, fetching pages as the loop goes.
   *
   * @example
   * for await (const ep of tessera.webhookEndpoints.all()) console.log(ep.url, ep.status);
   */
  all(params?: ListParams): AsyncGenerator<WebhookEndpoint> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * An endpoint (without its secret).
   *
   * @example
   * const { status, disabled_reason } = await tessera.webhookEndpoints.retrieve("we_123");
   */
  retrieve(id: string, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.call("GET", `/v1/webhook-endpoints/${seg(id)}`, options);
  }

  /**
   * Updates an endpoint: url, event filter, description, metadata, enabled/disabled.
   *
   * @example
   * await tessera.webhookEndpoints.update("we_123", { status: "enabled" }); // re-enables after auto-disable
   */
  update(id: string, input: UpdateWebhookEndpointInput, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.call("PATCH", `/v1/webhook-endpoints/${seg(id)}`, { ...options, json: input });
  }

  /**
   * Deletes an endpoint and its delivery log.
   *
   * @example
   * await tessera.webhookEndpoints.delete("we_123");
   */
  delete(id: string, options?: RequestOptions): Promise<Deleted> {
    return this.call("DELETE", `/v1/webhook-endpoints/${seg(id)}`, options);
  }

  /**
   * Rotates the signing secret; the old one keeps signing beside it for `expires_in_hours`
   * (default 24), so receivers can switch without dropping a delivery.
   *
   * @example
   * const { secret } = await tessera.webhookEndpoints.rotateSecret("we_123", { expires_in_hours: 2 });
   */
  rotateSecret(
    id: string,
    input: RotateWebhookSecretInput = {},
    options?: RequestOptions,
  ): Promise<WebhookEndpointWithSecret> {
    return this.call("POST", `/v1/webhook-endpoints/${seg(id)}/rotate-secret`, { ...options, json: input });
  }
}
