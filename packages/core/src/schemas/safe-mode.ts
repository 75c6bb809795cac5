import { z } from "zod";
import { Timestamp } from "./common.js";

/*
 * Safe mode (docs/privacy.md "Safe mode"): an operator stops new charges for one payment provider
 * or for a whole environment. Charges due meanwhile wait in the queue and run once it is lifted.
 */

export const SafeMode = z
  .object({
    id: z.string(),
    object: z.literal("safe_mode"),
    provider: z.string().nullable().meta({ description: "The provider held; null: the whole environment." }),
    reason: z.string(),
    active: z.boolean(),
    entered_at: Timestamp,
    entered_by: z.object({ type: z.string(), id: z.string(), label: z.string().optional() }).nullable(),
    exited_at: Timestamp.nullable(),
    exited_by: z.object({ type: z.string(), id: z.string(), label: z.string().optional() }).nullable(),
    released_jobs: z.number().int().nullable().meta({ description: "On exit: queued charges released to run now." }),
  })
  .meta({ id: "SafeMode" });
export type SafeMode = z.infer<typeof SafeMode>;

export const EnterSafeMode = z
  .object({
    provider: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: "Hold only this provider; omit for the environment." }),
    reason: z.string().min(1).max(500),
  })
  .strict()
  .meta({ id: "EnterSafeMode" });
export type EnterSafeMode = z.infer<typeof EnterSafeMode>;
