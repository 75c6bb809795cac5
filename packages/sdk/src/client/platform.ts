import type {
  ApiKeyWithSecret,
  AuditListParams,
  AuditRecord,
  CreateEnvironmentInput,
  CreateTenantInput,
  Tenant,
  TenantPlan,
} from "../generated/types.js";
import { createHttp, type Http, type Query, type RequestOptions, seg, type TesseraOptions } from "./http.js";
import { type ListParams, Namespace, type Page, paginate } from "./resources.js";

/**
 * A tenant as created: with one API key per new environment, whose secrets are shown only here.
 *
 * @example
 * const { api_keys }: TenantWithKeys = await platform.tenants.create({ slug: "acme", name: "Acme" });
 */
export type TenantWithKeys = Tenant & { api_keys: ApiKeyWithSecret[] };

/**
 * Options of the {@link TesseraPlatform} client: those of `Tessera`, without a tenant.
 *
 * @example
 * const options: TesseraPlatformOptions = { apiKey: process.env.TESSERA_PLATFORM_KEY!, baseUrl: "https://tessera.example.com" };
 */
export type TesseraPlatformOptions = Omit<TesseraOptions, "tenant" | "apiKey"> & {
  /** A platform administration key (`tpk_…`, made with `tessera platform-key create`). */
  apiKey: string;
};

/** Tenants of the installation (`platform.tenants`). */
export class TenantsApi extends Namespace {
  /**
   * Creates a tenant with its environments (default development, staging, production) and one
   * full-access API key per environment; the key secrets are in this answer only.
   *
   * @example
   * const acme = await platform.tenants.create({ slug: "acme", name: "Acme Inc." });
   * const devKey = acme.api_keys.find((k) => k.environment === "development")!.secret;
   */
  create(input: CreateTenantInput, options?: RequestOptions): Promise<TenantWithKeys> {
    return this.call("POST", "/v1/tenants", { ...options, json: input });
  }

  /**
   * One page of tenants.
   *
   * @example
   * const { data } = await platform.tenants.list({ limit: 100 });
   */
  list(params?: ListParams, options?: RequestOptions): Promise<Page<Tenant>> {
    return this.call("GET", "/v1/tenants", { ...options, query: params });
  }

  /**
   * Every tenant, fetching pages as the loop goes.
   *
   * @example
   * for await (const tenant of platform.tenants.all()) console.log(tenant.slug);
   */
  all(params?: ListParams): AsyncGenerator<Tenant> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * A tenant by id or slug, with its environments.
   *
   * @example
   * const { environments } = await platform.tenants.retrieve("acme");
   */
  retrieve(idOrSlug: string, options?: RequestOptions): Promise<Tenant> {
    return this.call("GET", `/v1/tenants/${seg(idOrSlug)}`, options);
  }

  /**
   * Sets a tenant's plan, which picks its rate limits; `null` for the defaults.
   *
   * @example
   * await platform.tenants.setPlan("acme", "pro");
   */
  setPlan(idOrSlug: string, plan: string | null, options?: RequestOptions): Promise<TenantPlan> {
    return this.call("PUT", `/v1/tenants/${seg(idOrSlug)}/plan`, { ...options, json: { plan } });
  }
}

/** Environments of tenants (`platform.environments`). */
export class EnvironmentsApi extends Namespace {
  /**
   * Adds an environment to a tenant (id or slug), with one full-access API key; `api_keys` of
   * the answer holds that key, shown once.
   *
   * @example
   * const { api_keys: [key] } = await platform.environments.create("acme", { name: "qa" });
   */
  create(tenant: string, input: CreateEnvironmentInput, options?: RequestOptions): Promise<TenantWithKeys> {
    return this.call("POST", `/v1/tenants/${seg(tenant)}/environments`, { ...options, json: input });
  }
}

/** The platform's own audit chain (`platform.audit`): platform users and invitations. */
export class PlatformAuditApi extends Namespace {
  /**
   * One page of the platform chain, newest first, with the filters of `tessera.audit.list`.
   *
   * @example
   * const { data } = await platform.audit.list({ action: "user.*" });
   */
  list(params?: AuditListParams, options?: RequestOptions): Promise<Page<AuditRecord>> {
    return this.call("GET", "/v1/platform/audit", { ...options, query: params });
  }

  /**
   * Every record of the platform chain, fetching pages as the loop goes.
   *
   * @example
   * for await (const record of platform.audit.all()) console.log(record.action);
   */
  all(params?: AuditListParams): AsyncGenerator<AuditRecord> {
    return paginate((page) => this.list(page), params);
  }
}

/**
 * The platform administration client: tenants and their environments, with a platform key
 * (`tpk_…`). Same retries, idempotency and typed errors as {@link Tessera}.
 *
 * @example
 * import { TesseraPlatform } from "@tessera/sdk";
 *
 * const platform = new TesseraPlatform({ apiKey: process.env.TESSERA_PLATFORM_KEY!, baseUrl: "https://tessera.example.com" });
 * const acme = await platform.tenants.create({ slug: "acme", name: "Acme Inc." });
 * await platform.environments.create(acme.id, { name: "qa" });
 */
export class TesseraPlatform {
  /** Tenants: create, list, retrieve. */
  readonly tenants: TenantsApi;
  /** Environments of a tenant: create. */
  readonly environments: EnvironmentsApi;
  /** The platform's own audit chain: list, all. */
  readonly audit: PlatformAuditApi;
  readonly #http: Http;

  constructor(options: TesseraPlatformOptions) {
    this.#http = createHttp(options, "TesseraPlatform", false);
    this.tenants = new TenantsApi(this.#http);
    this.environments = new EnvironmentsApi(this.#http);
    this.audit = new PlatformAuditApi(this.#http);
  }

  /**
   * Calls any endpoint with the platform key, the same retries and errors.
   *
   * @example
   * const page = await platform.request<{ data: unknown[] }>("GET", "/v1/tenants", { query: { limit: 5 } });
   */
  request<T = unknown>(
    method: "GET" | "POST" | "PATCH" | "DELETE",
    path: string,
    init: RequestOptions & { json?: unknown; query?: Query } = {},
  ): Promise<T> {
    return this.#http.request<T>(method, path, init);
  }
}
