/**
 * Entitlement-token verification: the SDK against two baselines measured in the same run.
 *   floor  a bare node:crypto signature check of the same tokens (split, decode, verify; no claims)
 *   jose   jose.jwtVerify with the same algorithm allow-list, typ, issuer and audience checks
 * Fresh tokens (never seen by the verifier) one at a time and with 32 in flight, then cached
 * re-checks with a new string object per call. Prints ratios; targets: SDK/jose ≥ 1.0,
 * SDK/floor ≥ 0.8, cached ≥ 1,000,000/s. Not a test: nothing here asserts.
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject, type VerifyKeyObjectInput } from "node:crypto";
import { createVerifier, type PublicJwk, type Verifier } from "../packages/sdk/src/index.js";
import { importJWK, jwtVerify } from "../packages/sdk/test/support/baselines.js";
import { type Alg, claimsFor, ISSUER, makeKey, STOREFRONT_ID, sign } from "../packages/sdk/test/support/tokens.js";

const TOKENS = Number(process.env.BENCH_TOKENS ?? 1500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const IN_FLIGHT = 32;

/** Runs `fn` over every token, `concurrency` at a time; returns tokens per second. */
async function rate(tokens: string[], concurrency: number, fn: (t: string) => Promise<unknown> | unknown) {
  const start = performance.now();
  if (concurrency === 1) {
    for (const t of tokens) await fn(t);
  } else {
    let next = 0;
    const worker = async () => {
      while (next < tokens.length) await fn(tokens[next++] as string);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  return (tokens.length / (performance.now() - start)) * 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(11);

async function benchAlg(alg: Alg) {
  const key = await makeKey(alg);
  const now = Math.floor(Date.now() / 1000);
  const tokens = await Promise.all(Array.from({ length: TOKENS }, () => sign(key, claimsFor(now))));
  const warmup = await sign(key, claimsFor(now));
  const jwks = { keys: [key.jwk as PublicJwk] };

  // Floor: what any verifier must do at least. The key is imported once, as the SDK does.
  const keyObject: KeyObject = createPublicKey({ key: key.jwk as import("node:crypto").JsonWebKey, format: "jwk" });
  const verifyKey: KeyObject | VerifyKeyObjectInput =
    alg === "EdDSA" ? keyObject : { key: keyObject, dsaEncoding: "ieee-p1363" };
  const digest = alg === "EdDSA" ? null : "sha256";
  const parts = (t: string) => {
    const dot = t.lastIndexOf(".");
    return [Buffer.from(t.slice(0, dot), "latin1"), Buffer.from(t.slice(dot + 1), "base64url")] as const;
  };
  const floorSync = (t: string) => {
    const [data, sig] = parts(t);
    if (!cryptoVerify(digest, data, verifyKey, sig)) throw new Error("floor: bad signature");
  };
  const floorAsync = (t: string) =>
    new Promise<void>((resolve, reject) => {
      const [data, sig] = parts(t);
      cryptoVerify(digest, data, verifyKey, sig, (error, ok) =>
        error || !ok ? reject(error ?? new Error("bad")) : resolve(),
      );
    });

  const joseKey = await importJWK(key.jwk, alg);
  const joseOptions = { algorithms: [alg], typ: "tessera-ent+jwt", issuer: ISSUER, audience: STOREFRONT_ID };
  const jose = (t: string) => jwtVerify(t, joseKey, joseOptions);

  // A new verifier per measurement, warmed with another token, so every measured token is fresh.
  const freshVerifier = async (): Promise<Verifier> => {
    const v = createVerifier({ jwks, tenant: "acme", storefront: STOREFRONT_ID, issuer: ISSUER });
    await v.verify(warmup);
    return v;
  };

  const results: Record<string, number[]> = {};
  const record = (name: string, value: number) => {
    results[name] ??= [];
    results[name].push(value);
  };
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, so drift on a shared machine hits every contender alike.
    record("floor 1", await rate(tokens, 1, floorSync));
    record("jose 1", await rate(tokens, 1, jose));
    const v1 = await freshVerifier();
    record("sdk 1", await rate(tokens, 1, (t) => v1.verify(t)));
    record(`floor ${IN_FLIGHT}`, await rate(tokens, IN_FLIGHT, floorAsync));
    record(`jose ${IN_FLIGHT}`, await rate(tokens, IN_FLIGHT, jose));
    const v32 = await freshVerifier();
    record(`sdk ${IN_FLIGHT}`, await rate(tokens, IN_FLIGHT, (t) => v32.verify(t)));
  }
  // Ratios are taken within each round (contenders measured seconds apart share the machine's
  // load), then the median over rounds: other processes on a shared machine move absolute rates.
  const m = (name: string) => median(results[name] as number[]);
  const ratio = (a: string, b: string) =>
    median((results[a] as number[]).map((x, i) => x / (results[b] as number[])[i]!)).toFixed(2);
  console.log(`\n${alg}: fresh tokens per second (median of ${ROUNDS} interleaved rounds of ${TOKENS})`);
  for (const n of [1, IN_FLIGHT]) {
    console.log(
      `  ${String(n).padStart(2)} in flight  floor ${fmt(m(`floor ${n}`))}  jose ${fmt(m(`jose ${n}`))}  sdk ${fmt(m(`sdk ${n}`))}` +
        `   sdk/jose ${ratio(`sdk ${n}`, `jose ${n}`)} (aim ≥ 1.0)   sdk/floor ${ratio(`sdk ${n}`, `floor ${n}`)} (aim ≥ 0.8)`,
    );
  }
}

async function benchCached(alg: Alg) {
  const key = await makeKey(alg);
  const token = await sign(key, claimsFor(Math.floor(Date.now() / 1000)));
  const verifier = createVerifier({
    jwks: { keys: [key.jwk as PublicJwk] },
    tenant: "acme",
    issuer: ISSUER,
    storefront: STOREFRONT_ID,
  });
  const first = await verifier.verify(token);
  const COPIES = 100_000;
  const sync: number[] = [];
  const awaited: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // New flat string objects, as a server gets from each request's header; made before timing.
    const copies = () => Array.from({ length: COPIES }, () => Buffer.from(token, "latin1").toString("latin1"));
    let strings = copies();
    let start = performance.now();
    let hits = 0;
    for (const s of strings) if (verifier.verify(s) !== undefined) hits++;
    sync.push((hits / (performance.now() - start)) * 1000);
    strings = copies();
    start = performance.now();
    for (const s of strings) if ((await verifier.verify(s)) !== first) throw new Error("cache miss");
    awaited.push((COPIES / (performance.now() - start)) * 1000);
  }
  console.log(`\n${alg}: cached re-checks per second, a new string object per call (${token.length}-char token)`);
  console.log(`  verify() returning the settled promise ${fmt(median(sync))}/s   (aim ≥ 1,000,000)`);
  console.log(`  await verify()                         ${fmt(median(awaited))}/s`);
}

console.log(`node ${process.version}; ${TOKENS} tokens × ${ROUNDS} rounds; SDK runtime: node:crypto path`);
for (const alg of ["EdDSA", "ES256"] as const) await benchAlg(alg);
await benchCached("EdDSA");
