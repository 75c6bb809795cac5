import { z } from "zod";

/** A url-safe key such as `export-pdf` or `pro_monthly`: what merchants reference in code. */
export const Key = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[a-z0-9][a-z0-9_.-]*$/,
    "must be lowercase letters, digits, '-', '_' or '.', starting with a letter or digit",
  );

export const Metadata = z
  .record(z.string().max(40), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 50, "at most 50 metadata keys")
  .meta({ description: "Up to 50 string key/value pairs for your own use." });

export const Timestamp = z
  .string()
  .meta({ description: "ISO-8601 UTC time", format: "date-time", example: "2026-01-31T12:00:00.000Z" });

/** ISO 4217 currency code, upper case. */
export const Currency = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as EUR");

/** Money is an integer count of the currency's minor unit (cents). Never a float. */
export const MinorUnits = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const Interval = z.enum(["day", "week", "month", "year"]);
export type Interval = z.infer<typeof Interval>;

/** A list cursor is the id of the last object of the previous page: anything else is refused. */
export const Cursor = z
  .string()
  .regex(/^[a-z]{1,8}_[0-9A-HJKMNP-TV-Z]{26}$/, "must be the next_cursor of a previous page")
  .meta({ description: "Cursor: the `next_cursor` of the previous page." });

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: "Page size, 1–100 (default 20)." }),
  starting_after: Cursor.optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export function listOf<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      object: z.literal("list"),
      data: z.array(item),
      has_more: z.boolean(),
      next_cursor: z.string().nullable(),
    })
    .meta({ id: `${name}List` });
}

export const Deleted = z.object({ id: z.string(), object: z.string(), deleted: z.literal(true) });
