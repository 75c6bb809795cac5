import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as nodeEntry from "../src/index.js";
import * as webEntry from "../src/index.web.js";
import { claimsFor, EXPECTED, makeKey, nowSeconds, sign, type TestKey } from "./support/tokens.js";

/** A real JWKS endpoint on a loopback port whose key list and status the test controls. */
async function jwksServer() {
  const state = { keys: [] as unknown[], status: 200, requests: 0 };
  const server: Server = createServer((_req, res) => {
    state.requests++;
    res.writeHead(state.status, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/jwks/acme/production`;
  return { state, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const noNetwork: typeof fetch = () => {
  throw new Error("the verifier must not touch the network");
};

describe.each([
  ["node", nodeEntry],
  ["web", webEntry],
] as const)("key sets on the %s path", (runtime, sdk) => {
  let a: TestKey;
  let b: TestKey;
  let c: TestKey;
  let server: Awaited<ReturnType<typeof jwksServer>>;
  let dir: string;

  beforeAll(async () => {
    [a, b, c] = await Promise.all([makeKey("EdDSA"), makeKey("ES256"), makeKey("EdDSA")]);
    server = await jwksServer();
    dir = mkdtempSync(join(tmpdir(), "tessera-jwks-"));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads a local JWKS file once and never fetches (Node), or says a file needs a file system (web)", async () => {
    const file = join(dir, "jwks.json");
    writeFileSync(file, JSON.stringify({ keys: [a.jwk] }));
    const verifier = sdk.createVerifier({ jwks: file, tenant: "acme", ...EXPECTED, fetch: noNetwork });
    if (runtime === "web") {
      const token = await sign(a, claimsFor(nowSeconds()));
      await expect(verifier.verify(token)).rejects.toThrow(/needs a file system/);
      return;
    }
    expect((await verifier.verify(await sign(a, claimsFor(nowSeconds())))).has("export-pdf")).toBe(true);
    // Read once: a key added to the file later is not seen, and nothing is fetched for it.
    writeFileSync(file, JSON.stringify({ keys: [a.jwk, b.jwk] }));
    expect(await verifier.check(await sign(b, claimsFor(nowSeconds())))).toMatchObject({ code: "TOKEN_KID_UNKNOWN" });
  });

  it("answers JWKS_UNAVAILABLE (thrown, also by check) for a missing file", async () => {
    const verifier = sdk.createVerifier({
      jwks: join(dir, "missing.json"),
      tenant: "acme",
      ...EXPECTED,
      fetch: noNetwork,
    });
    const token = await sign(a, claimsFor(nowSeconds()));
    await expect(verifier.check(token)).rejects.toMatchObject({ code: "JWKS_UNAVAILABLE" });
  });

  it("fetches a remote JWKS once, refetches on an unknown kid, and honours the cooldown", async () => {
    server.state.keys = [a.jwk];
    server.state.requests = 0;
    let clock = Date.now();
    const verifier = sdk.createVerifier({ jwks: server.url, tenant: "acme", ...EXPECTED, now: () => clock });
    const now = nowSeconds();
    await verifier.verify(await sign(a, claimsFor(now)));
    await verifier.verify(await sign(a, claimsFor(now)));
    expect(server.state.requests).toBe(1);

    // Rotation: the server publishes b; the first token signed by b triggers one refetch.
    server.state.keys = [a.jwk, b.jwk];
    clock += 31_000;
    const [first, second] = await Promise.all([
      verifier.verify(await sign(b, claimsFor(now))),
      verifier.verify(await sign(b, claimsFor(now))),
    ]);
    expect(first.has("export-pdf") && second.has("export-pdf")).toBe(true);
    expect(server.state.requests).toBe(2);

    // c is published, but within the cooldown an unknown kid does not refetch.
    server.state.keys = [a.jwk, b.jwk, c.jwk];
    const tokenC = await sign(c, claimsFor(now));
    expect(await verifier.check(tokenC)).toMatchObject({ valid: false, code: "TOKEN_KID_UNKNOWN" });
    expect(server.state.requests).toBe(2);
    clock += 29_000;
    expect(await verifier.check(tokenC)).toMatchObject({ valid: false, code: "TOKEN_KID_UNKNOWN" });
    expect(server.state.requests).toBe(2);
    // Past the cooldown it refetches and finds c.
    clock += 2_000;
    expect((await verifier.check(tokenC)).valid).toBe(true);
    expect(server.state.requests).toBe(3);
  });

  it("refreshes a stale key set so a withdrawn key stops verifying", async () => {
    server.state.keys = [a.jwk, b.jwk];
    server.state.requests = 0;
    let clock = Date.now();
    const verifier = sdk.createVerifier({
      jwksUrl: server.url,
      tenant: "acme",
      ...EXPECTED,
      now: () => clock,
      cacheSize: 0,
    });
    const tokenB = await sign(b, claimsFor(nowSeconds()));
    expect((await verifier.check(tokenB)).valid).toBe(true);
    server.state.keys = [a.jwk];
    clock += 601_000;
    expect(await verifier.check(tokenB)).toMatchObject({ code: "TOKEN_KID_UNKNOWN" });
    expect(server.state.requests).toBe(2);
  });

  it("keeps serving cached keys when a refresh fails, and fails loudly when it never loaded", async () => {
    server.state.keys = [a.jwk];
    server.state.status = 200;
    let clock = Date.now();
    const verifier = sdk.createVerifier({
      jwks: server.url,
      tenant: "acme",
      ...EXPECTED,
      now: () => clock,
      cacheSize: 0,
    });
    const token = await sign(a, claimsFor(nowSeconds()));
    await verifier.verify(token);
    server.state.status = 503;
    clock += 601_000;
    expect((await verifier.check(token)).valid).toBe(true);

    const cold = sdk.createVerifier({ jwks: server.url, tenant: "acme", ...EXPECTED });
    await expect(cold.check(token)).rejects.toMatchObject({ name: "TesseraTokenError", code: "JWKS_UNAVAILABLE" });
    server.state.status = 200;
  });
});
