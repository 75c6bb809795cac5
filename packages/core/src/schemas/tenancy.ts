import { z } from "zod";
import { Key, Timestamp } from "./common.js";

export const DEFAULT_ENVIRONMENTS = ["development", "staging", "production"] as const;

export const EnvironmentName = Key.meta({ description: "Environment name, e.g. development, staging, production." });

export const Environment = z
  .object({
    id: z.string(),
    object: z.literal("environment"),
    name: z.string(),
    created_at: Timestamp,
  })
  .meta({ id: "Environment" });

export const Tenant = z
  .object({
    id: z.string(),
    object: z.literal("tenant"),
    slug: z.string(),
    name: z.string(),
    environments: z.array(Environment),
    created_at: Timestamp,
  })
  .meta({ id: "Tenant" });
export type Tenant = z.infer<typeof Tenant>;

export const CreateTenant = z
  .object({
    slug: Key.meta({ description: "Url-safe tenant handle, used in x-tn and JWKS URLs." }),
    name: z.string().min(1).max(200),
    environments: z.array(EnvironmentName).min(1).max(20).optional(),
  })
  .strict()
  .meta({ id: "CreateTenant" });
export type CreateTenant = z.infer<typeof CreateTenant>;

export const CreateEnvironment = z.object({ name: EnvironmentName }).strict().meta({ id: "CreateEnvironment" });
