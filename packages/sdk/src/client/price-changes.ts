import type {
  AnswerPriceChangeInput,
  CreatePriceMigrationInput,
  PriceMigration,
  PriceMigrationPreview,
  Subscription,
  SubscriptionPriceChange,
} from "../generated/types.js";
import { type RequestOptions, seg } from "./http.js";
import { type ListParams, Namespace, type Page } from "./resources.js";

/**
 * Price changes for the current subscribers of a price (`tessera.priceChanges`): grandfather,
 * notify, or require the customer's consent; see docs/price-changes.md.
 *
 * @example
 * const migration = await tessera.priceChanges.create("price_old", { to_price: "price_new", strategy: "notify" });
 */
export class PriceChangesApi extends Namespace {
  /**
   * Starts moving the subscribers of `price` to another price of its bundle. Runs as a job:
   * `retrieve` it for progress.
   *
   * @example
   * await tessera.priceChanges.create("price_old", { to_price: "price_new", strategy: "require_consent", text_version: "2026-12", on_no_consent: "keep" });
   */
  create(
    price: string,
    input: Omit<CreatePriceMigrationInput, "dry_run">,
    options?: RequestOptions,
  ): Promise<PriceMigration> {
    return this.call("POST", `/v1/prices/${seg(price)}/migrations`, { ...options, json: input });
  }

  /**
   * What `create` would do now, changing nothing: the subscriptions affected and skipped.
   *
   * @example
   * const { affected_count, skipped } = await tessera.priceChanges.preview("price_old", { to_price: "price_new", strategy: "notify" });
   */
  preview(
    price: string,
    input: Omit<CreatePriceMigrationInput, "dry_run">,
    options?: RequestOptions,
  ): Promise<PriceMigrationPreview> {
    return this.call("POST", `/v1/prices/${seg(price)}/migrations`, { ...options, json: { ...input, dry_run: true } });
  }

  /**
   * A migration with its status and counts.
   *
   * @example
   * const { status, counts } = await tessera.priceChanges.retrieve("pmig_123");
   */
  retrieve(id: string, options?: RequestOptions): Promise<PriceMigration> {
    return this.call("GET", `/v1/price-migrations/${seg(id)}`, options);
  }

  /**
   * Migrations, newest first.
   *
   * @example
   * const { data } = await tessera.priceChanges.list();
   */
  list(params?: ListParams, options?: RequestOptions): Promise<Page<PriceMigration>> {
    return this.call("GET", "/v1/price-migrations", { ...options, query: params });
  }

  /**
   * What a migration did to each subscription.
   *
   * @example
   * const { data } = await tessera.priceChanges.changes("pmig_123", { status: "awaiting_consent" });
   */
  changes(
    id: string,
    params?: ListParams & { status?: SubscriptionPriceChange["status"] },
    options?: RequestOptions,
  ): Promise<Page<SubscriptionPriceChange>> {
    return this.call("GET", `/v1/price-migrations/${seg(id)}/changes`, { ...options, query: params });
  }

  /**
   * Records the customer's consent to the subscription's pending price change.
   *
   * @example
   * await tessera.priceChanges.consent("sub_123", { text_version: "2026-12", method: "app" });
   */
  consent(subscription: string, input: AnswerPriceChangeInput, options?: RequestOptions): Promise<Subscription> {
    return this.call("POST", `/v1/subscriptions/${seg(subscription)}/price-change/consent`, {
      ...options,
      json: input,
    });
  }

  /**
   * Records that the customer declines the subscription's pending price change.
   *
   * @example
   * await tessera.priceChanges.decline("sub_123", { text_version: "2026-12", method: "email_link" });
   */
  decline(subscription: string, input: AnswerPriceChangeInput, options?: RequestOptions): Promise<Subscription> {
    return this.call("POST", `/v1/subscriptions/${seg(subscription)}/price-change/decline`, {
      ...options,
      json: input,
    });
  }
}
