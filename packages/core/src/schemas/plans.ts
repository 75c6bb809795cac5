import { z } from "zod";

/** A tenant's plan: the name of a rate-limit tier in the installation's configuration. */
export const PlanName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "lower-case letters, digits, - and _, at most 40")
  .meta({ description: "A plan named in TESSERA_RATE_LIMIT_PLANS; unknown or null means the default limits." });

export const SetTenantPlan = z.object({ plan: PlanName.nullable() }).strict().meta({ id: "SetTenantPlan" });
export type SetTenantPlan = z.infer<typeof SetTenantPlan>;

export const TenantPlan = z
  .object({ object: z.literal("tenant_plan"), tenant: z.string(), plan: z.string().nullable() })
  .meta({ id: "TenantPlan" });
export type TenantPlan = z.infer<typeof TenantPlan>;
