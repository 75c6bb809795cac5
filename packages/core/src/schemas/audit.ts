import { z } from "zod";
import { ListQuery, Timestamp } from "./common.js";
import { ActorSchema } from "./events.js";

export const AUDIT_KINDS = ["action", "decision", "outcome"] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** One entry of a tenant's tamper-evident audit trail (docs/security.md, "Audit trail"). */
export const AuditRecord = z
  .object({
    id: z.string(),
    object: z.literal("audit_record"),
    seq: z.number().int().meta({ description: "Position in the tenant's hash chain, from 1, without gaps." }),
    kind: z.enum(AUDIT_KINDS),
    action: z.string().meta({ description: "What happened: an event type, or a decision/outcome name." }),
    environment: z.string().nullable().meta({ description: "null for tenant-wide records (platform reads)." }),
    object_type: z.string().nullable(),
    object_id: z.string().nullable(),
    actor: ActorSchema.nullable(),
    request_id: z.string().nullable(),
    idempotency_key: z.string().nullable(),
    correlation_id: z.string().nullable(),
    causation_id: z.string().nullable(),
    event_id: z.string().nullable(),
    before: z.unknown().nullable().meta({ description: "The object before, secrets and personal data redacted." }),
    after: z.unknown().nullable().meta({ description: "The object after, secrets and personal data redacted." }),
    reason: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    created_at: Timestamp,
    recorded_at: Timestamp,
    prev_hash: z.string(),
    hash: z.string(),
  })
  .meta({ id: "AuditRecord" });
export type AuditRecord = z.infer<typeof AuditRecord>;

export const AuditListQuery = ListQuery.extend({
  actor: z.string().optional().meta({ description: "An actor id (`key_…`, a job type, …), or `type:id`." }),
  object_id: z.string().optional(),
  object_type: z.string().optional(),
  action: z.string().optional().meta({ description: "An action, or a prefix ending in `.*`." }),
  kind: z.enum(AUDIT_KINDS).optional(),
  from: z.iso.datetime().optional().meta({ description: "created_at ≥ from" }),
  to: z.iso.datetime().optional().meta({ description: "created_at < to" }),
});
export type AuditListQuery = z.infer<typeof AuditListQuery>;

export const AuditLineage = z
  .object({
    object: z.literal("audit_lineage"),
    correlation_id: z.string(),
    data: z.array(AuditRecord).meta({ description: "Action → decision → outcome, in the order they happened." }),
  })
  .meta({ id: "AuditLineage" });
export type AuditLineage = z.infer<typeof AuditLineage>;
