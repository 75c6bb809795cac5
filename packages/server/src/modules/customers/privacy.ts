import type { Deps } from "../../context.js";
import { inScope } from "../../db/scope.js";
import { forgetIdempotentResponses } from "../../http/idempotency.js";
import { isoNow } from "../../lib/clock.js";
import { fromJson } from "../../lib/json.js";
import type { PrivacyHandler } from "../privacy/index.js";
import { scrubbable } from "../privacy/index.js";
import type { PersonalDataVault } from "./personal-data.js";
import { findCustomer } from "./repo.js";
import { toCustomer } from "./service.js";

/**
 * The customer's profile. Erasure keeps the row (money records name it) with its personal fields
 * overwritten, destroys the customer's key (every sealed copy in events and so in webhook payloads
 * becomes noise: personal-data.ts), and deletes stored idempotent replays that show the customer.
 */
export function customersPrivacyHandler(
  deps: Pick<Deps, "clock" | "secrets">,
  personalData: PersonalDataVault,
): PrivacyHandler {
  return {
    module: "customers",
    tables: ["customers", "customer_keys", "idempotency_keys"],

    async personalValues(d, scope, customerId) {
      const row = await findCustomer(d, scope, customerId);
      if (!row) return [];
      const metadata = Object.values(fromJson<Record<string, string>>(row.metadata, {}));
      return [row.email, row.name, row.external_id, ...metadata].filter((v): v is string => !!v);
    },

    async export(d, scope, subject) {
      const row = await findCustomer(d, scope, subject.customerId);
      return { profile: row ? toCustomer(row) : null };
    },

    async erase(tx, scope, subject) {
      await personalData.forget(tx, scope, subject.customerId);
      const updated = await tx
        .updateTable("customers")
        .set({
          // Unique per storefront and not null: a placeholder no person can be found by.
          external_id: `erased_${subject.customerId}`,
          email: null,
          name: null,
          country: null,
          metadata: "{}",
          updated_at: isoNow(deps.clock),
        })
        .where(inScope(scope))
        .where("id", "=", subject.customerId)
        .executeTakeFirst();
      let replays = 0;
      for (const needle of [subject.customerId, ...scrubbable(subject.personalValues)]) {
        replays += await forgetIdempotentResponses(tx, deps.secrets, scope, needle);
      }
      return { customers: Number(updated.numUpdatedRows), customer_keys: 1, idempotency_keys: replays };
    },
  };
}
