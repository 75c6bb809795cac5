import { createPublicKey, type KeyObject, type VerifyKeyObjectInput, verify } from "node:crypto";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import type { Platform, PublicJwk, TokenAlgorithm } from "./types.js";

/** A key imported once; ES256 keeps its verify options object so no call allocates one. */
interface NodeKey {
  alg: TokenAlgorithm;
  input: KeyObject | VerifyKeyObjectInput;
}

interface Job {
  alg: TokenAlgorithm;
  key: NodeKey;
  data: Buffer;
  signature: Buffer;
  resolve(ok: boolean): void;
  reject(error: unknown): void;
}

// Signatures are checked one way or the other depending on load. Alone, a synchronous
// crypto.verify is fastest (no thread hop). When several tokens arrive in the same tick, or some
// are already out on libuv's thread pool, they go to the pool too, so a burst uses every core
// instead of queueing on the event loop. Jobs wait one microtask so that a burst is seen as one.
const useThreadPool = availableParallelism() > 1;
let queue: Job[] = [];
let pooled = 0;

function flush(): void {
  const jobs = queue;
  queue = [];
  if (!useThreadPool || (jobs.length === 1 && pooled === 0)) {
    for (const job of jobs) {
      try {
        job.resolve(verifySync(job));
      } catch (error) {
        job.reject(error);
      }
    }
    return;
  }
  for (const job of jobs) {
    pooled++;
    verify(digest(job.alg), job.data, job.key.input, job.signature, (error, ok) => {
      pooled--;
      if (error) job.reject(error);
      else job.resolve(ok);
    });
  }
}

function verifySync(job: Job): boolean {
  return verify(digest(job.alg), job.data, job.key.input, job.signature);
}

function digest(alg: TokenAlgorithm): string | null {
  // Ed25519 hashes internally; ES256 is ECDSA over SHA-256.
  return alg === "EdDSA" ? null : "sha256";
}

/** node:crypto: the fast path on Node. */
export const nodePlatform: Platform = {
  name: "node",
  importKey(jwk: PublicJwk, alg: TokenAlgorithm): NodeKey {
    const key = createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
    if (alg === "EdDSA" && key.asymmetricKeyType === "ed25519") return { alg, input: key };
    if (alg === "ES256" && key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") {
      // JWS carries the raw r||s form (IEEE P1363), not DER.
      return { alg, input: { key, dsaEncoding: "ieee-p1363" } };
    }
    throw new Error(`the key is not usable with ${alg}`);
  },
  verify(alg, key, signingInput, signature) {
    return new Promise<boolean>((resolve, reject) => {
      // latin1: the signing input is base64url text, so one byte per character, no UTF-8 scan.
      const data = Buffer.from(signingInput, "latin1");
      queue.push({ alg, key: key as NodeKey, data, signature: Buffer.from(signature, "base64url"), resolve, reject });
      if (queue.length === 1) queueMicrotask(flush);
    });
  },
  decode(segment) {
    return Buffer.from(segment, "base64url").toString("utf8");
  },
  readFile: (path) => readFile(path, "utf8"),
};
