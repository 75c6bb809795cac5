import { z } from "zod";
import { Timestamp } from "./common.js";

/**
 * Permission strings. A route declares one; a key must carry it, `<area>:*`, or `*`.
 * `write` implies `read` of the same area.
 */
export const SCOPES = [
  "*",
  "catalog:read",
  "catalog:write",
  "storefronts:read",
  "storefronts:write",
  "customers:read",
  "customers:write",
  "subscriptions:read",
  "subscriptions:write",
  "payments:read",
  "payments:write",
  "payments:refund",
  "invoices:read",
  "invoices:write",
  "entitlements:read",
  "entitlements:write",
  "events:read",
  "webhooks:read",
  "webhooks:write",
  "keys:manage",
  "test_clocks:write",
  "users:manage",
  "audit:read",
  "metrics:read",
  "privacy:read",
  "privacy:write",
  "campaigns:read",
  "campaigns:write",
  // Issuing a campaign offer to a customer (the `api` trigger): for trusted keys only.
  "campaigns:offer",
] as const;
export type Scope = (typeof SCOPES)[number];

export const ScopeSchema = z.enum(SCOPES);

export function scopeAllows(granted: readonly string[], required: string): boolean {
  const [area] = required.split(":");
  return granted.some(
    (s) =>
      s === "*" ||
      s === required ||
      s === `${area}:*` ||
      (required.endsWith(":read") && s === `${area}:write`) ||
      // Refunds were part of payments:write before they had a permission of their own.
      (required === "payments:refund" && s === "payments:write"),
  );
}

export const ApiKey = z
  .object({
    id: z.string(),
    object: z.literal("api_key"),
    name: z.string().nullable(),
    environment: z.string(),
    prefix: z.string().meta({ description: "The first characters of the secret, to recognise it." }),
    scopes: z.array(z.string()),
    created_at: Timestamp,
    last_used_at: Timestamp.nullable(),
    revoked_at: Timestamp.nullable(),
  })
  .meta({ id: "ApiKey" });
export type ApiKey = z.infer<typeof ApiKey>;

export const ApiKeyWithSecret = ApiKey.extend({
  secret: z.string().meta({ description: "Shown once, at creation. Only its hash is stored." }),
}).meta({ id: "ApiKeyWithSecret" });

/** Keys are made in the caller's own environment: environments never reach into each other. */
export const CreateApiKey = z
  .object({
    name: z.string().max(200).optional(),
    scopes: z.array(ScopeSchema).min(1).default(["*"]),
  })
  .strict()
  .meta({ id: "CreateApiKey" });
export type CreateApiKey = z.infer<typeof CreateApiKey>;
