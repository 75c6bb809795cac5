import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { type SigningKey, TOKEN_TYP, type TokenAlgorithm } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import { ApiError, isUniqueViolation } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import type { EventsService } from "../events/service.js";
import type { SigningKeyRow } from "./repo.js";
import * as repo from "./repo.js";

/** A key ready to sign: its kid and algorithm, and the private key imported once per process. */
export interface Signer {
  kid: string;
  alg: TokenAlgorithm;
  /**
   * The compact JWS of `payload`, signed on libuv's thread pool. Measured under load (10
   * connections, 2 cores), signing on the event loop instead cost more CPU per token and fewer
   * tokens a second, although one synchronous signature is cheaper than a pool round trip.
   */
  sign(payload: object): Promise<string>;
}

/**
 * A retired key stays in the JWKS this long after the longest token it can have signed expired,
 * so verifiers whose clocks run a little behind still find it.
 */
export const RETIRE_LEEWAY_SECONDS = 120;

/**
 * The JWKS routes' `Cache-Control: max-age`: how long a shared cache may serve a key set that
 * lacks a freshly rotated-in key.
 */
export const JWKS_MAX_AGE_SECONDS = 60;

/**
 * How long a rotated-in key is published before it signs (DESIGN §5), by default. It must exceed
 * the JWKS cache age plus the SDK's refetch cooldown on an unknown kid (30 s), so that a verifier
 * meeting the new kid can always fetch it; the rest is room for skewed clocks.
 */
export const ROTATION_LEAD_SECONDS = 300;

const purposeOf = (id: string) => `signing-key:${id}`;

function generate(alg: TokenAlgorithm): { publicJwk: Record<string, unknown>; privatePem: string } {
  const pair = alg === "EdDSA" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    publicJwk: pair.publicKey.export({ format: "jwk" }) as Record<string, unknown>,
    privatePem: pair.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

/** The public JWK as published: with kid, alg and use, which strict verifiers require. */
export function publishedJwk(row: Pick<SigningKeyRow, "id" | "alg" | "public_jwk">): Record<string, unknown> {
  return { ...fromJson<Record<string, unknown>>(row.public_jwk, {}), kid: row.id, alg: row.alg, use: "sig" };
}

/** What a key does at `now`, from its times: the stored status changes only at rotations. */
function statusOf(row: SigningKeyRow, now: string): SigningKey["status"] {
  const neverSigns = row.activates_at !== null && row.rotated_at !== null && row.rotated_at <= row.activates_at;
  if (neverSigns) return row.retires_at !== null && row.retires_at > now ? "retiring" : "retired";
  if (row.activates_at !== null && row.activates_at > now) return "pending";
  if (row.status === "active") return "active";
  if (row.rotated_at !== null && row.rotated_at > now) return "active";
  return row.retires_at !== null && row.retires_at > now ? "retiring" : "retired";
}

export function toSigningKey(row: SigningKeyRow, now: string): SigningKey {
  return {
    id: row.id,
    object: "signing_key",
    alg: row.alg as TokenAlgorithm,
    status: statusOf(row, now),
    public_jwk: publishedJwk(row),
    created_at: row.created_at,
    rotated_at: row.rotated_at,
    retires_at: row.retires_at,
    activates_at: row.activates_at,
  };
}

function makeSigner(kid: string, alg: TokenAlgorithm, key: KeyObject): Signer {
  // The header is the same for every token of a key: encoded once. What is signed is ASCII
  // (base64url), so latin1 turns it into bytes without a UTF-8 pass.
  const header = `${Buffer.from(JSON.stringify({ alg, typ: TOKEN_TYP, kid })).toString("base64url")}.`;
  const ecdsa = { key, dsaEncoding: "ieee-p1363" as const };
  return {
    kid,
    alg,
    sign(payload) {
      const input = header + Buffer.from(JSON.stringify(payload)).toString("base64url");
      return new Promise((resolve, reject) => {
        const done = (error: Error | null, signature: Buffer) =>
          error ? reject(error) : resolve(`${input}.${signature.toString("base64url")}`);
        // Ed25519 hashes internally; ES256 is ECDSA over SHA-256 in JOSE's raw r||s form.
        if (alg === "EdDSA") sign(null, Buffer.from(input, "latin1"), key, done);
        else sign("sha256", Buffer.from(input, "latin1"), ecdsa, done);
      });
    },
  };
}

/**
 * Signing keys per tenant AND environment, private halves sealed with the master key. Wall time
 * (deps.clock), not the environment's test clock: tokens expire by the verifiers' real clocks.
 */
export function signingKeyOperations(
  { db, clock, secrets }: Deps,
  maxTtlSeconds: () => number,
  events: Pick<EventsService, "record">,
  leadSeconds: () => number = () => ROTATION_LEAD_SECONDS,
) {
  // Decrypted keys by kid. Key material never changes for a kid, so this cache cannot go stale;
  // which key is active is read from the database on every token.
  const imported = new Map<string, Signer>();

  function signerFor(row: SigningKeyRow): Signer {
    const cached = imported.get(row.id);
    if (cached) return cached;
    if (!row.private_key_encrypted) throw new Error(`signing key ${row.id} has no private key`);
    const pem = secrets.open(row.private_key_encrypted, purposeOf(row.id));
    const signer = makeSigner(row.id, row.alg as TokenAlgorithm, createPrivateKey(pem));
    imported.set(row.id, signer);
    return signer;
  }

  function newRow(scope: Scope, alg: TokenAlgorithm, now: string, activatesAt: string | null = null): SigningKeyRow {
    const id = newId("signing_key");
    const { publicJwk, privatePem } = generate(alg);
    return {
      id,
      tenant_id: scope.tenantId,
      environment_id: scope.environmentId,
      alg,
      public_jwk: toJson(publicJwk),
      private_key_encrypted: secrets.seal(privatePem, purposeOf(id)),
      status: "active",
      created_at: now,
      rotated_at: null,
      retires_at: null,
      activates_at: activatesAt,
    };
  }

  return {
    /**
     * The key that signs now: the active one, or while it is still being published, the one it
     * replaces. Created on first use (EdDSA) when there is none.
     */
    async activeSigner(scope: Scope): Promise<Signer> {
      const ref = await repo.findActiveSigningKeyRef(db, scope);
      if (ref?.activates_at != null) {
        const now = isoNow(clock);
        if (ref.activates_at > now) {
          const predecessor = await repo.findSigningPredecessor(db, scope, now);
          if (predecessor) return signerFor(predecessor);
        }
      }
      if (ref) {
        const cached = imported.get(ref.id);
        if (cached) return cached;
        const row = await repo.findSigningKey(db, scope, ref.id);
        if (row) return signerFor(row);
      }
      const created = newRow(scope, "EdDSA", isoNow(clock));
      try {
        await repo.insertSigningKey(db, created);
        return signerFor(created);
      } catch (error) {
        // Two first tokens raced; the unique index kept one key, which both use.
        if (!isUniqueViolation(error)) throw error;
        const winner = await repo.findActiveSigningKey(db, scope);
        if (!winner) throw error;
        return signerFor(winner);
      }
    },

    /**
     * A new key is published at once and signs after the lead time (so every verifier can have
     * fetched it first); the previous one signs until then and stays published until every token
     * it signed has expired (max TTL + leeway), then drops out of the JWKS.
     */
    async rotateSigningKey(
      scope: Scope,
      alg?: TokenAlgorithm,
      lead: number = leadSeconds(),
    ): Promise<{ key: SigningKey; previous: SigningKey[] }> {
      const nowDate = clock.now();
      const now = nowDate.toISOString();
      const activatesMs = nowDate.getTime() + lead * 1000;
      const activatesAt = new Date(activatesMs).toISOString();
      const retiresAt = new Date(activatesMs + (maxTtlSeconds() + RETIRE_LEEWAY_SECONDS) * 1000).toISOString();
      let row: SigningKeyRow;
      try {
        row = await db.transaction().execute(async (tx) => {
          const current = await repo.findActiveSigningKey(tx, scope);
          const created = newRow(
            scope,
            alg ?? (current?.alg as TokenAlgorithm | undefined) ?? "EdDSA",
            now,
            lead > 0 ? activatesAt : null,
          );
          await repo.erasePrivateKeysRetiredBy(tx, scope, now);
          // A switch sooner than one already queued (a compromised key) also ends the queued wait.
          await repo.endSigningBy(tx, scope, activatesAt);
          // It signs until the new key takes over, so its tokens' clock starts then.
          await repo.retireActiveKey(tx, scope, activatesAt, retiresAt);
          await repo.insertSigningKey(tx, created);
          // The public key only: the private one never leaves its sealed column.
          await events.record(tx, scope, { type: "signing_key.rotated", object: toSigningKey(created, now) });
          return created;
        });
      } catch (error) {
        // The one-active-key index refused a second concurrent rotation; the first one stands.
        if (isUniqueViolation(error)) throw new ApiError("CONFLICT", "Another rotation of this environment's key won");
        throw error;
      }
      const all = await repo.listSigningKeys(db, scope);
      return {
        key: toSigningKey(row, now),
        previous: all.filter((k) => k.id !== row.id).map((k) => toSigningKey(k, now)),
      };
    },

    async listSigningKeys(scope: Scope): Promise<SigningKey[]> {
      const now = isoNow(clock);
      return (await repo.listSigningKeys(db, scope)).map((k) => toSigningKey(k, now));
    },

    /** The public key set of one environment: what verifiers fetch. */
    async jwks(scope: Pick<Scope, "tenantId" | "environmentId">): Promise<{ keys: Record<string, unknown>[] }> {
      const rows = await repo.listPublishedKeys(db, scope, isoNow(clock));
      return { keys: rows.map(publishedJwk) };
    },
  };
}

export type SigningKeyOperations = ReturnType<typeof signingKeyOperations>;
