import { z } from "zod";
import { ListQuery, Timestamp } from "./common.js";

export const DisputeStatus = z.enum(["open", "won", "lost"]);
export type DisputeStatus = z.infer<typeof DisputeStatus>;

/**
 * A chargeback on a payment, as its PSP reports it through its webhooks (docs/payments.md,
 * "Disputes"). One per payment: the dispute's id is derived from its payment's.
 */
export const Dispute = z
  .object({
    id: z.string().meta({ description: "dsp_…, derived from the payment's id (one dispute per payment)." }),
    object: z.literal("dispute"),
    payment: z.string(),
    customer: z.string(),
    subscription: z.string().nullable(),
    provider: z.string().meta({ description: "The PSP that reported it." }),
    provider_reference: z.string().nullable().meta({ description: "The PSP's reference of the disputed charge." }),
    status: DisputeStatus.meta({ description: "open while it runs; won (the merchant keeps the money) or lost." }),
    amount: z.number().int().nullable().meta({ description: "Disputed amount in minor units, when the PSP says." }),
    currency: z.string(),
    reason: z.string().nullable().meta({ description: "The PSP's reason code or text." }),
    updated_at: Timestamp.meta({ description: "When the payment (and so its dispute) last changed." }),
  })
  .meta({ id: "Dispute" });
export type Dispute = z.infer<typeof Dispute>;

export const DisputeListQuery = ListQuery.extend({
  status: DisputeStatus.optional(),
  payment: z.string().min(1).optional(),
  customer: z.string().min(1).optional(),
});
export type DisputeListQuery = z.infer<typeof DisputeListQuery>;
