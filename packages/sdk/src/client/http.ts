import ky, { type KyInstance } from "ky";
import { toApiError } from "./errors.js";

/**
 * Retries of failed calls: 408, 429 and 5xx answers and dropped connections, with backoff.
 *
 * @example
 * new Tessera({ apiKey, tenant: "acme", baseUrl, retry: { limit: 4, maxDelay: 5_000 } });
 */
export interface RetryOptions {
  /** Retries after the first attempt. Default 2; 0 turns retries off. */
  limit?: number;
  /** First delay in milliseconds; each retry doubles it (with jitter). Default 300. */
  baseDelay?: number;
  /** Longest delay in milliseconds. Default 10,000. A `Retry-After` header is honoured. */
  maxDelay?: number;
}

/**
 * Options of the {@link Tessera} client.
 *
 * @example
 * const options: TesseraOptions = { apiKey: process.env.TESSERA_API_KEY!, tenant: "acme", baseUrl: "https://tessera.example.com" };
 */
export interface TesseraOptions {
  /** A secret API key (`tsk_…`); it fixes the environment. */
  apiKey: string;
  /** The tenant slug or id, sent as `x-tn`. */
  tenant: string;
  /** The server's base URL, e.g. `https://tessera.example.com`. */
  baseUrl: string;
  /** Retries; a number is the retry limit. */
  retry?: number | RetryOptions;
  /** Milliseconds per attempt before giving up. Default 30,000. */
  timeout?: number;
  /** The fetch to use. Default the global one. */
  fetch?: typeof fetch;
}

/**
 * Per-call options.
 *
 * @example
 * await tessera.customers.create({ storefront: "web", external_id: "u1" }, { idempotencyKey: `signup-${userId}` });
 */
export interface RequestOptions {
  /**
   * Makes a POST safe to retry: the server answers a replay with the first response. Generated
   * for every POST when not given, and kept across the client's own retries.
   */
  idempotencyKey?: string;
  /** Aborts the call. */
  signal?: AbortSignal;
}

/**
 * Query parameters of a call; undefined values are left out.
 *
 * @example
 * await tessera.request("GET", "/v1/events", { query: { limit: 10, type: undefined } });
 */
export type Query = Record<string, string | number | boolean | undefined>;

/** An HTTP method of the API. */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Http {
  request<T>(method: Method, path: string, init?: CallInit): Promise<T>;
}

export interface CallInit extends RequestOptions {
  json?: unknown;
  /** Query parameters (a {@link Query} or one of the generated `…Params` types); undefined values are left out. */
  query?: object | undefined;
  /** A public endpoint (the JWKS): sent without the API key and tenant. */
  anonymous?: boolean;
  /** A document rather than JSON (an invoice's XML or PDF): its media type, and how to return it. */
  document?: { accept: string; as: "text" | "bytes" };
}

/** What the HTTP layer needs: {@link TesseraOptions}, with the tenant left out by the platform client. */
export type HttpOptions = Omit<TesseraOptions, "tenant"> & { tenant?: string | undefined };

export function createHttp(options: HttpOptions, name = "Tessera", needsTenant = true): Http {
  if (!options?.apiKey) throw new TypeError(`${name}: \`apiKey\` is required`);
  if (needsTenant && !options.tenant) throw new TypeError(`${name}: \`tenant\` is required`);
  if (!options.baseUrl) throw new TypeError(`${name}: \`baseUrl\` is required`);
  const retry: RetryOptions = typeof options.retry === "number" ? { limit: options.retry } : (options.retry ?? {});
  const base = retry.baseDelay ?? 300;
  const max = retry.maxDelay ?? 10_000;
  const credentials: Record<string, string> = { authorization: `Bearer ${options.apiKey}` };
  if (options.tenant) credentials["x-tn"] = options.tenant;
  const client: KyInstance = ky.create({
    prefixUrl: options.baseUrl,
    timeout: options.timeout ?? 30_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    headers: { ...credentials, accept: "application/json" },
    retry: {
      limit: retry.limit ?? 2,
      // POST is retried because every POST carries an Idempotency-Key (see below).
      methods: ["get", "post", "patch", "delete"],
      statusCodes: [408, 429, 500, 502, 503, 504],
      afterStatusCodes: [413, 429, 503],
      maxRetryAfter: max,
      // Full jitter keeps many clients that failed together from retrying together.
      delay: (attempt) => Math.min(max, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2),
    },
  });
  return {
    async request<T>(method: Method, path: string, init: CallInit = {}): Promise<T> {
      const headers: Record<string, string | undefined> = {};
      const idempotencyKey = init.idempotencyKey ?? (method === "POST" ? crypto.randomUUID() : undefined);
      if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
      // ky drops a header set to undefined: public endpoints never see the secret key.
      if (init.anonymous) for (const header of Object.keys(credentials)) headers[header] = undefined;
      if (init.document) headers.accept = init.document.accept;
      try {
        const res = await client(path.replace(/^\//, ""), {
          method,
          headers,
          ...(init.json !== undefined ? { json: init.json } : {}),
          ...(init.query ? { searchParams: definedOnly(init.query) } : {}),
          ...(init.signal ? { signal: init.signal } : {}),
        });
        if (init.document?.as === "bytes") return new Uint8Array(await res.arrayBuffer()) as T;
        const text = await res.text();
        if (init.document) return text as T;
        return (text ? JSON.parse(text) : undefined) as T;
      } catch (error) {
        throw await toApiError(error);
      }
    },
  };
}

function definedOnly(query: object): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(query)) if (v !== undefined) out[k] = v as string | number | boolean;
  return out;
}

/** `encodeURIComponent` for a path segment: ids and keys are caller data. */
export const seg = (value: string) => encodeURIComponent(value);
