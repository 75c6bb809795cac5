import { z } from "zod";
import { ACTOR_TYPES, EVENT_TYPES } from "../events.js";
import { isIsoDuration } from "../time.js";
import { ListQuery, Timestamp } from "./common.js";

export const EventTypeSchema = z.enum(EVENT_TYPES);

export const ActorSchema = z
  .object({
    type: z.enum(ACTOR_TYPES),
    id: z.string(),
    label: z.string().optional(),
  })
  .meta({
    id: "Actor",
    description: "Who made the change: an API key, a user, a platform key, a job, a channel or a provider.",
  });

/** The event as the API and webhook deliveries carry it (DESIGN §6). */
export const Event = z
  .object({
    id: z.string(),
    object: z.literal("event"),
    type: EventTypeSchema,
    created_at: Timestamp,
    tenant: z.string(),
    environment: z.string(),
    data: z.object({ object: z.record(z.string(), z.unknown()) }),
    correlation_id: z.string().nullable().meta({ description: "Links request → decision → outcome." }),
    request_id: z.string().nullable(),
    actor: ActorSchema.nullable().meta({ description: "Who made the change (null on events older than actors)." }),
    causation_id: z
      .string()
      .nullable()
      .meta({ description: "The event or request that directly caused this one (`evt_…` or a request id)." }),
  })
  .meta({ id: "Event" });
export type Event = z.infer<typeof Event>;

export const EventListQuery = ListQuery.extend({
  type: z
    .string()
    .optional()
    .meta({ description: "An event type, or a prefix ending in `.*` such as `subscription.*`." }),
  object_id: z.string().optional(),
  created_gte: z.iso.datetime().optional(),
  created_lt: z.iso.datetime().optional(),
  order: z.enum(["desc", "asc"]).default("desc").meta({
    description: "`desc`: newest first (the default). `asc`: oldest first, as a timeline reads.",
  }),
});
export type EventListQuery = z.infer<typeof EventListQuery>;

export const TestClock = z
  .object({
    object: z.literal("test_clock"),
    environment: z.string(),
    frozen: z.boolean(),
    now: Timestamp,
    jobs_run: z.number().int().optional(),
  })
  .meta({ id: "TestClock" });
export type TestClock = z.infer<typeof TestClock>;

export const AdvanceTestClock = z
  .union([
    z.object({ to: z.iso.datetime({ offset: true }) }).strict(),
    z
      .object({
        by: z
          .string()
          .refine(isIsoDuration, "an ISO-8601 duration such as P8D or PT12H")
          .meta({ format: "duration", description: "An ISO-8601 duration such as P8D or PT12H.", example: "P8D" }),
      })
      .strict(),
  ])
  .meta({ id: "AdvanceTestClock" });
export type AdvanceTestClock = z.infer<typeof AdvanceTestClock>;
