import { z } from "zod";

const bool = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0", "yes", "no"])], {
    error: "must be true or false (also 1/0, yes/no)",
  })
  .transform((v) => v === true || v === "true" || v === "1" || v === "yes");

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Every setting, from the environment (or the matching CLI flag), checked once at start. */
export const ConfigSchema = z.object({
  PORT: z.coerce
    .number({ error: "must be a port number from 0 to 65535" })
    .int("must be a port number from 0 to 65535")
    .min(0, "must be a port number from 0 to 65535")
    .max(65535, "must be a port number from 0 to 65535")
    .default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z
    .string()
    .regex(
      /^(sqlite:.+|postgres(ql)?:\/\/.+|:memory:)$/,
      "must be sqlite:<path>, sqlite::memory: or postgres://user:password@host:port/database",
    )
    .default("sqlite:./data/tessera.db"),
  TESSERA_MASTER_KEY: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)").optional(),
  TESSERA_MASTER_KEY_FILE: z.string().min(1).optional(),
  TESSERA_BASE_URL: z.url("must be an absolute http(s) URL such as https://billing.example.com").optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  TESSERA_MIGRATE_ON_START: bool.default(true),
  TESSERA_DEMO_TENANT: bool.default(true),
  /** Run the background job worker inside `serve` (renewals, retries, webhook deliveries). */
  TESSERA_WORKER: bool.default(true),
  TESSERA_WORKER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /**
   * How long a claim lives without its worker's heartbeat (renewed every third of it): a worker
   * that dies leaves its jobs to others after this, however long a live worker's job runs.
   */
  TESSERA_WORKER_LEASE_MS: z.coerce.number().int().min(100).max(3_600_000).optional(),
  /** Deprecated: the lease's old name (TESSERA_WORKER_LEASE_MS wins when both are set). */
  TESSERA_WORKER_LOCK_MS: z.coerce.number().int().min(100).max(3_600_000).optional(),
  /** Jobs one worker runs at once: 32 on SQLite, 8 on Postgres unless set (jobs/worker.ts `defaultConcurrency`). */
  TESSERA_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1024).optional(),
  /** Caps per job type, `type=n,…` (e.g. `webhook.deliver=4`); unlisted types share the whole pool. */
  TESSERA_WORKER_TYPE_CONCURRENCY: z
    .string()
    .regex(/^\s*([\w.:-]+=\d+\s*(,\s*|$))*$/, "must be type=n,type=n")
    .optional(),
  /** Jobs one worker runs at once for one target (a webhook endpoint): what a hanging receiver can hold. */
  TESSERA_WORKER_TARGET_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(4),
  /**
   * `kind=n,…` per kind of target (`psp`, `channel`, `webhook`), overriding the one above; by
   * default a PSP of a storefront gets ¾ of the concurrency and a channel vendor ½.
   */
  TESSERA_WORKER_TARGET_KIND_CONCURRENCY: z.string().optional(),
  /** A tenant's share of a worker while other tenants have due jobs; default half the concurrency. */
  TESSERA_WORKER_TENANT_CONCURRENCY: z.coerce.number().int().min(1).max(1024).optional(),
  /** On SIGTERM, how long running jobs get to finish before they are released to other workers. */
  TESSERA_WORKER_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** On SIGTERM, the latest a `tessera worker` exits (released or not; a lease covers the rest). */
  TESSERA_WORKER_SHUTDOWN_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  /**
   * Let webhooks go to loopback and private addresses (127.0.0.1, 10.x, 192.168.x, fc00::/7 …).
   * Off by default: endpoint URLs come from tenants, and the server must not become their way
   * into its own network. Turn on for local development or receivers on a private network.
   */
  TESSERA_WEBHOOKS_ALLOW_PRIVATE: bool.default(false),
  /** How long a webhook receiver has to answer one delivery attempt (default 10 s). */
  TESSERA_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).optional(),
  /**
   * The waits before each webhook retry, `5s,5m,30m,2h,…` (units ms, s, m, h, d). Default: the
   * Standard Webhooks schedule, 5s,5m,30m,2h,5h,10h,10h,14h,14h,16h (11 attempts over ≈ 3 days).
   */
  TESSERA_WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(/^\s*\d+\s*(ms|s|m|h|d)\s*(,\s*\d+\s*(ms|s|m|h|d)\s*)*$/, "must be waits such as 5s,5m,30m,2h")
    .optional(),
  /** Longest life of an entitlement token; requests may ask for less. Retired keys stay published this long. */
  TESSERA_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  /**
   * How long a rotated-in signing key is published before it signs. Default 300: longer than the
   * JWKS cache age (60 s) plus the SDK's refetch cooldown (30 s), with room for clock skew.
   */
  TESSERA_KEY_ROTATION_LEAD_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** `iss` of entitlement tokens; default the public base URL (TESSERA_BASE_URL). */
  TESSERA_TOKEN_ISSUER: z.string().min(1).optional(),
  /** Request rate limits (docs/security.md): per API key by route class, per address on public routes. */
  TESSERA_RATE_LIMIT: bool.default(true),
  TESSERA_RATE_LIMIT_READ: z.coerce.number().int().min(1).default(6000),
  TESSERA_RATE_LIMIT_WRITE: z.coerce.number().int().min(1).default(3000),
  TESSERA_RATE_LIMIT_PUBLIC: z.coerce.number().int().min(1).default(600),
  TESSERA_RATE_LIMIT_AUTH: z.coerce.number().int().min(1).default(60),
  /** JSON: plan name → { read?, write? } per window, e.g. {"free":{"read":600,"write":300}}. */
  TESSERA_RATE_LIMIT_PLANS: z
    .string()
    .default("{}")
    .transform((text, ctx) => {
      const plan = z.record(
        z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/),
        z.object({ read: z.number().int().min(1).optional(), write: z.number().int().min(1).optional() }).strict(),
      );
      try {
        const parsed = plan.safeParse(JSON.parse(text));
        if (parsed.success) return parsed.data;
      } catch {}
      ctx.addIssue({ code: "custom", message: 'must be JSON like {"free":{"read":600,"write":300}}' });
      return z.NEVER;
    }),
  TESSERA_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Postgres: longest wait for a database connection (new or from the pool); then 503. */
  TESSERA_DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** Postgres: longest statement (server statement_timeout; the client gives up 2 s later). Not for migrations. */
  TESSERA_DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
  /** /readyz answers 503 when its database write takes longer than this. */
  TESSERA_READYZ_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  /** On SIGTERM, in-flight requests get this long; then open connections are cut and `serve` exits 0. */
  TESSERA_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** SQLite: how often the WAL is checkpointed into the database file (0 = only at close). */
  TESSERA_SQLITE_CHECKPOINT_MS: z.coerce.number().int().min(0).max(3_600_000).default(1000),
  /** SQLite: most memory its page cache may take, in MB (allocated as pages are read). */
  TESSERA_SQLITE_CACHE_MB: z.coerce.number().int().min(2).max(65_536).default(8),
  /** SQLite: how much of the database file is read through a memory map, in MB (0 = none). */
  TESSERA_SQLITE_MMAP_MB: z.coerce.number().int().min(0).max(65_536).default(1024),
  NODE_ENV: z.string().default("development"),
});

export type Config = z.infer<typeof ConfigSchema>;

/** The CLI flag that sets each variable, named in error messages. */
export const CONFIG_FLAGS: Partial<Record<keyof Config, string>> = {
  PORT: "--port",
  HOST: "--host",
  DATABASE_URL: "--database-url",
  TESSERA_MASTER_KEY_FILE: "--master-key-file",
  TESSERA_BASE_URL: "--base-url",
  LOG_LEVEL: "--log-level",
  TESSERA_MIGRATE_ON_START: "--no-migrate",
  TESSERA_DEMO_TENANT: "--no-demo",
  TESSERA_WORKER: "--no-worker",
};

/** Values never echoed back in an error message. */
const SECRET = new Set(["TESSERA_MASTER_KEY", "DATABASE_URL"]);

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const result = ConfigSchema.safeParse(given);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "(config)");
      const flag = CONFIG_FLAGS[name as keyof Config];
      const value = given[name];
      const shown = value === undefined || SECRET.has(name) ? "" : ` (got "${value}")`;
      return `  ${name}${flag ? ` / ${flag}` : ""}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  if (result.data.TESSERA_MASTER_KEY && result.data.TESSERA_MASTER_KEY_FILE) {
    throw new ConfigError("Invalid configuration:\n  set TESSERA_MASTER_KEY or TESSERA_MASTER_KEY_FILE, not both");
  }
  return result.data;
}

export function rateLimitsOf(config: Config) {
  return {
    enabled: config.TESSERA_RATE_LIMIT,
    read: config.TESSERA_RATE_LIMIT_READ,
    write: config.TESSERA_RATE_LIMIT_WRITE,
    public: config.TESSERA_RATE_LIMIT_PUBLIC,
    auth: config.TESSERA_RATE_LIMIT_AUTH,
    plans: config.TESSERA_RATE_LIMIT_PLANS,
    windowSeconds: config.TESSERA_RATE_LIMIT_WINDOW_SECONDS,
  };
}

export function baseUrlOf(config: Config, port = config.PORT): string {
  if (config.TESSERA_BASE_URL) return config.TESSERA_BASE_URL.replace(/\/$/, "");
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
