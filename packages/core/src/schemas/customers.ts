import { z } from "zod";
import { Metadata, Timestamp } from "./common.js";
import { CurrentConsents } from "./consents.js";

const Country = z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code such as DE");

export const CreateCustomer = z
  .object({
    storefront: z.string().min(1).meta({ description: "Storefront id or key." }),
    external_id: z.string().min(1).max(200).meta({ description: "Your id for this customer; unique per storefront." }),
    email: z.email().max(320).optional(),
    name: z.string().max(200).optional(),
    country: Country.optional(),
    metadata: Metadata.optional(),
  })
  .strict()
  .meta({ id: "CreateCustomer" });
export type CreateCustomer = z.infer<typeof CreateCustomer>;

export const UpdateCustomer = z
  .object({
    email: z.email().max(320).nullable().optional(),
    name: z.string().max(200).nullable().optional(),
    country: Country.nullable().optional(),
    metadata: Metadata.optional(),
  })
  .strict()
  .meta({ id: "UpdateCustomer" });
export type UpdateCustomer = z.infer<typeof UpdateCustomer>;

export const Customer = z
  .object({
    id: z.string(),
    object: z.literal("customer"),
    storefront: z.string(),
    external_id: z.string(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    country: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    consents: CurrentConsents.optional().meta({
      description: "On GET /v1/customers/{id}: per purpose, the latest consent record (docs/privacy.md).",
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "Customer" });
export type Customer = z.infer<typeof Customer>;
