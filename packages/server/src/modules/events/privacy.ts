import { inScope } from "../../db/scope.js";
import { fromJson } from "../../lib/json.js";
import type { PrivacyHandler } from "../privacy/index.js";
import { scrubText } from "../privacy/index.js";
import type { PersonalDataSealer } from "./service.js";

type Snapshot = { id: string; object: string } & Record<string, unknown>;

/**
 * Events about the customer and their objects. A customer snapshot's personal fields are sealed
 * with the customer's key (customers/personal-data.ts), which erasure destroys: those copies need
 * no rewrite. Other snapshots name the customer by id; a personal value copied into one (the
 * merchant's metadata, say) is scrubbed — the one exception to events being immutable.
 */
export function eventsPrivacyHandler(personalData: PersonalDataSealer): PrivacyHandler {
  return {
    module: "events",
    tables: ["events"],

    async export(d, scope, subject) {
      const rows = await d
        .selectFrom("events")
        .select(["id", "type", "object_type", "object_id", "data", "actor", "created_at", "request_id"])
        .where(inScope(scope))
        .where("object_id", "in", [subject.customerId, ...subject.objectIds])
        .orderBy("id")
        .execute();
      const keys = new Map<string, unknown>();
      const events = [];
      for (const row of rows) {
        const object = fromJson<Snapshot>(row.data, { id: row.object_id, object: row.object_type });
        events.push({
          id: row.id,
          type: row.type,
          created_at: row.created_at,
          request_id: row.request_id,
          actor: fromJson(row.actor, null),
          object: await personalData.open(d, scope, object, keys),
        });
      }
      return { events };
    },

    async erase(tx, scope, subject) {
      return { events: await scrubText(tx, scope, "events", ["data"], subject.personalValues) };
    },

    retention: {
      /** Events handed to their consumers whose delivery logs are gone (deliveries list through them). */
      async events(tx, scope, before) {
        const result = await tx
          .deleteFrom("events")
          .where(inScope(scope))
          .where("created_at", "<", before)
          .where("fanned_out_at", "is not", null)
          .where((eb) =>
            eb.not(
              eb.exists(
                eb.selectFrom("webhook_deliveries as d").select("d.id").whereRef("d.event_id", "=", "events.id"),
              ),
            ),
          )
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      },
    },
  };
}
