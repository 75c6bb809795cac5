import type { Deps, Scope } from "../../context.js";
import type { Db } from "../../db/types.js";
import { isoNow } from "../../lib/clock.js";
import { randomSecret, SecretBox } from "../../lib/crypto.js";

/** The fields of a customer snapshot that identify a person. */
export const PERSONAL_FIELDS = ["external_id", "email", "name", "country", "metadata"] as const;
/** Marks a sealed value inside an immutable row's JSON. */
const SEALED = "pd1:";

type Snapshot = { id: string; object: string } & Record<string, unknown>;
type Ids = Pick<Scope, "tenantId" | "environmentId">;

/**
 * Crypto-shredding (issue 8, point 5). Immutable rows (events, and through them webhook payloads)
 * hold a customer's personal fields sealed with a key of that customer's own, itself sealed with
 * the master key. Erasure destroys the key: every sealed copy becomes noise at once, without
 * rewriting history. Only customer snapshots carry personal data today; other objects name the
 * customer by id.
 */
export function personalDataVault({ clock, secrets }: Pick<Deps, "clock" | "secrets">) {
  const purpose = (customerId: string) => `customer-key/${customerId}`;

  async function findKey(d: Db, scope: Ids, customerId: string): Promise<SecretBox | undefined> {
    const row = await d
      .selectFrom("customer_keys")
      .select("key_encrypted")
      .where("customer_id", "=", customerId)
      .where("environment_id", "=", scope.environmentId)
      .executeTakeFirst();
    return row ? new SecretBox(secrets.open(row.key_encrypted, purpose(customerId))) : undefined;
  }

  async function keyFor(tx: Db, scope: Ids, customerId: string): Promise<SecretBox> {
    const found = await findKey(tx, scope, customerId);
    if (found) return found;
    await tx
      .insertInto("customer_keys")
      .values({
        customer_id: customerId,
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        key_encrypted: secrets.seal(randomSecret(32), purpose(customerId)),
        created_at: isoNow(clock),
      })
      .onConflict((oc) => oc.column("customer_id").doNothing())
      .execute();
    const made = await findKey(tx, scope, customerId);
    if (!made) throw new Error(`customer key of ${customerId} could not be made`);
    return made;
  }

  const holdsPersonalData = (object: Snapshot) => object.object === "customer";

  return {
    holdsPersonalData,

    /** The snapshot with its personal fields sealed under the customer's key, for an immutable row. */
    async seal(tx: Db, scope: Ids, object: Snapshot): Promise<Snapshot> {
      if (!holdsPersonalData(object)) return object;
      const box = await keyFor(tx, scope, object.id);
      const out: Snapshot = { ...object };
      for (const field of PERSONAL_FIELDS) {
        const value = object[field];
        if (value !== undefined && value !== null) out[field] = SEALED + box.seal(JSON.stringify(value), field);
      }
      return out;
    },

    /** Opens what `seal` wrote; once the key is destroyed, the fields read as null. */
    async open(d: Db, scope: Ids, object: Snapshot, cache = new Map<string, unknown>()): Promise<Snapshot> {
      if (!holdsPersonalData(object)) return object;
      // One key read per customer however many of their events a page holds.
      if (!cache.has(object.id)) cache.set(object.id, (await findKey(d, scope, object.id)) ?? null);
      const box = cache.get(object.id) as SecretBox | null;
      const out: Snapshot = { ...object };
      for (const field of PERSONAL_FIELDS) {
        const value = object[field];
        if (typeof value !== "string" || !value.startsWith(SEALED)) continue;
        out[field] = box ? JSON.parse(box.open(value.slice(SEALED.length), field)) : null;
      }
      return out;
    },

    /** Destroys the customer's key: everything sealed with it is unreadable from now on. */
    async forget(tx: Db, scope: Ids, customerId: string): Promise<void> {
      await tx
        .deleteFrom("customer_keys")
        .where("customer_id", "=", customerId)
        .where("environment_id", "=", scope.environmentId)
        .execute();
    },
  };
}

export type PersonalDataVault = ReturnType<typeof personalDataVault>;
