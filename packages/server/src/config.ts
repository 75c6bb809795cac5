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
   * How long a worker holds the jobs it claimed. A worker that dies leaves them locked this long
   * before another takes them over; keep it above the longest job (a provider call with retries).
   */
  TESSERA_WORKER_LOCK_MS: z.coerce.number().int().min(100).max(3_600_000).default(300_000),
  /**
   * Let webhooks go to loopback and private addresses (127.0.0.1, 10.x, 192.168.x, fc00::/7 …).
   * Off by default: endpoint URLs come from tenants, and the server must not become their way
   * into its own network. Turn on for local development or receivers on a private network.
   */
  TESSERA_WEBHOOKS_ALLOW_PRIVATE: bool.default(false),
  /** Longest life of an entitlement token; requests may ask for less. Retired keys stay published this long. */
  TESSERA_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  /**
   * How long a rotated-in signing key is published before it signs. Default 300: longer than the
   * JWKS cache age (60 s) plus the SDK's refetch cooldown (30 s), with room for clock skew.
   */
  TESSERA_KEY_ROTATION_LEAD_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** `iss` of entitlement tokens; default the public base URL (TESSERA_BASE_URL). */
  TESSERA_TOKEN_ISSUER: z.string().min(1).optional(),
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

export function baseUrlOf(config: Config, port = config.PORT): string {
  if (config.TESSERA_BASE_URL) return config.TESSERA_BASE_URL.replace(/\/$/, "");
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
