import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import type { Deps } from "../../context.js";
import type { Db } from "../../db/types.js";
import { newId } from "../../lib/ids.js";
import * as repo from "./repo.js";

const purposeOf = (id: string) => `audit-checkpoint-key:${id}`;

export interface CheckpointKey {
  id: string;
  privateKey: KeyObject;
}

/**
 * The Ed25519 key that signs checkpoints, its private half sealed with the master key (like the
 * entitlement signing keys). Made on first use in the caller's transaction; two made at once by
 * racing processes are both valid, since each checkpoint names its key.
 */
export function checkpointKeys({ secrets, clock }: Pick<Deps, "secrets" | "clock">) {
  // Only keys read back from the database are cached: one made in a transaction that rolls back
  // must not be used later.
  let cached: CheckpointKey | undefined;
  const publicKeys = new Map<string, KeyObject | null>();

  return {
    async signingKey(tx: Db): Promise<CheckpointKey> {
      if (cached) return cached;
      const row = await repo.findAnyKey(tx);
      if (row) {
        cached = {
          id: row.id,
          privateKey: createPrivateKey(secrets.open(row.private_key_encrypted, purposeOf(row.id))),
        };
        return cached;
      }
      const id = newId("audit_key");
      const pair = generateKeyPairSync("ed25519");
      const pem = pair.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
      await repo.insertKey(tx, {
        id,
        public_key: pair.publicKey.export({ format: "pem", type: "spki" }).toString(),
        private_key_encrypted: secrets.seal(pem, purposeOf(id)),
        created_at: clock.now().toISOString(),
      });
      return { id, privateKey: pair.privateKey };
    },

    sign(key: CheckpointKey, message: string): string {
      return sign(null, Buffer.from(message), key.privateKey).toString("base64url");
    },

    /**
     * Checks a signature with the key as the master key vouches for it: the public key is derived
     * from the sealed private half, so a key row written by someone without the master key (to
     * sign forged checkpoints) does not verify. null: no such key, or it does not open.
     */
    async verify(db: Db, keyId: string, message: string, signature: string): Promise<boolean | null> {
      if (!publicKeys.has(keyId)) {
        const row = await repo.findKey(db, keyId);
        let key: KeyObject | null = null;
        try {
          if (row) key = createPublicKey(createPrivateKey(secrets.open(row.private_key_encrypted, purposeOf(row.id))));
        } catch {
          key = null;
        }
        publicKeys.set(keyId, key);
      }
      const key = publicKeys.get(keyId);
      if (!key) return null;
      return verify(null, Buffer.from(message), key, Buffer.from(signature, "base64url"));
    },
  };
}

export type CheckpointKeys = ReturnType<typeof checkpointKeys>;
