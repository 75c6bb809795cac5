import type { Kysely } from "kysely";

// The audit records a change's decisions and outcome make (a renewal's period-end and routing
// decisions, its charge's outcome) ride on the change's first event instead of being appended to
// the tenant's hash chain inside the change's transaction: redacted, serialised, and appended by
// the audit consumer, in one batch with the event's own record (modules/audit/service.ts). The
// business transaction writes its change and its events, nothing more (DESIGN §6b).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("events").addColumn("audit_notes", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("events").dropColumn("audit_notes").execute();
}
