import { sql } from "kysely";
import type { Deps, Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import { forgetIdempotentResponses } from "../../http/idempotency.js";
import { isoNow } from "../../lib/clock.js";
import type { PersonalDataVault } from "./personal-data.js";

/**
 * Erases a customer's personal data everywhere it is kept (issue 8, point 5; the privacy API that
 * calls this comes later). The customer row stays, so money records keep their reference, with
 * its personal fields overwritten; the customer's key is destroyed, which turns every sealed copy
 * in events (and so in webhook payloads) into noise; stored idempotent responses that show the
 * customer are deleted; receivers' answers to deliveries about the customer are dropped (a
 * receiver may echo what it was sent). SQLite runs with secure_delete (db/connect.ts), so freed
 * cells are zeroed, and the WAL is checkpointed and truncated so no older page image survives.
 */
export async function eraseCustomerPersonalData(
  { db, dialect, clock, secrets }: Pick<Deps, "db" | "dialect" | "clock" | "secrets">,
  personalData: PersonalDataVault,
  scope: Scope,
  customerId: string,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await personalData.forget(tx, scope, customerId);
    await tx
      .updateTable("customers")
      .set({
        // Unique per storefront and not null: a placeholder no person can be found by.
        external_id: `erased_${customerId}`,
        email: null,
        name: null,
        country: null,
        metadata: "{}",
        updated_at: isoNow(clock),
      })
      .where(inScope(scope))
      .where("id", "=", customerId)
      .execute();
    await tx
      .updateTable("webhook_attempts")
      .set({ response_excerpt: null })
      .where(
        "delivery_id",
        "in",
        tx
          .selectFrom("webhook_deliveries as d")
          .innerJoin("events as e", "e.id", "d.event_id")
          .select("d.id")
          .where("e.environment_id", "=", scope.environmentId)
          .where("e.object_id", "=", customerId),
      )
      .execute();
  });
  await forgetIdempotentResponses(db, secrets, scope, customerId);
  if (dialect === "sqlite") await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
}
