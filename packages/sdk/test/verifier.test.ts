import { runInNewContext } from "node:vm";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import * as nodeEntry from "../src/index.js";
import * as webEntry from "../src/index.web.js";
import {
  claimsFor,
  EXPECTED,
  ISSUER,
  makeKey,
  nowSeconds,
  STOREFRONT_ID,
  sign,
  TENANT_ID,
  type TestKey,
} from "./support/tokens.js";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

// The same cases on both crypto paths: node:crypto (Node entry) and jose/WebCrypto (edge entry).
describe.each([
  ["node", nodeEntry],
  ["web", webEntry],
] as const)("createVerifier on the %s path", (runtime, sdk) => {
  let ed: TestKey;
  let es: TestKey;
  let verifier: nodeEntry.Verifier;

  beforeAll(async () => {
    ed = await makeKey("EdDSA");
    es = await makeKey("ES256");
    verifier = sdk.createVerifier({
      jwks: { keys: [ed.jwk, es.jwk] as nodeEntry.PublicJwk[] },
      tenant: "acme",
      storefront: STOREFRONT_ID,
      issuer: ISSUER,
    });
  });

  async function refusal(token: string, v = verifier) {
    const result = await v.check(token);
    if (result.valid) throw new Error("expected the token to be refused");
    // verify() must throw the same code as check() answers
    const thrown = await v.verify(token).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(sdk.isTesseraTokenError(thrown)).toBe(true);
    expect((thrown as nodeEntry.TesseraTokenError).code).toBe(result.code);
    return result.code;
  }

  it("runs on the expected crypto", () => {
    expect(verifier.runtime).toBe(runtime);
  });

  it.each(["EdDSA", "ES256"] as const)("verifies a %s token and reads every kind of entitlement", async (alg) => {
    const now = nowSeconds();
    const token = await sign(alg === "EdDSA" ? ed : es, claimsFor(now));
    const ent = await verifier.verify(token);
    expect(ent.customerId).toBe("cus_01JD0000000000000000000000");
    expect(ent.tenantId).toBe(TENANT_ID);
    expect(ent.expiresAt.getTime()).toBe((now + 900) * 1000);
    expect(ent.has("export-pdf")).toBe(true);
    expect(ent.has("nope")).toBe(false);
    expect(ent.has("constructor")).toBe(false);
    expect(ent.tier("support")).toBe("priority");
    expect(ent.atLeast("support", "basic")).toBe(true);
    expect(ent.atLeast("support", "priority")).toBe(true);
    expect(ent.atLeast("support", "vip")).toBe(false);
    expect(ent.atLeast("support", "unknown-level")).toBe(false);
    expect(ent.atLeast("support", 1)).toBe(true);
    expect(ent.atLeast("export-pdf", 0)).toBe(false);
    expect(ent.quota("api-calls")).toEqual({
      limit: 10000,
      used: 12,
      remaining: 9988,
      resetsAt: new Date((now + 86400) * 1000),
      period: "month",
    });
    expect(ent.quota("export-pdf")).toBeUndefined();
    expect(ent.content("courses")).toEqual(["c1", "c2"]);
    expect(ent.hasContent("courses", "c2")).toBe(true);
    expect(ent.hasContent("courses", "c3")).toBe(false);
    expect(ent.subscriptions).toEqual([
      { id: "sub_01JD0000000000000000000000", bundle: "pro", status: "active", currentPeriodEnd: expect.any(Date) },
    ]);
    expect(await verifier.check(token)).toEqual({ valid: true, entitlements: ent });
  });

  it("accepts the tenant by id as well as by slug", async () => {
    const byId = sdk.createVerifier({
      jwks: { keys: [ed.jwk as nodeEntry.PublicJwk] },
      tenant: TENANT_ID,
      ...EXPECTED,
    });
    expect((await byId.verify(await sign(ed, claimsFor(nowSeconds())))).tenantId).toBe(TENANT_ID);
  });

  it("refuses alg none", async () => {
    const token = `${b64({ alg: "none", typ: "tessera-ent+jwt", kid: ed.kid })}.${b64(claimsFor(nowSeconds()))}.`;
    expect(await refusal(token)).toBe("TOKEN_ALG_NOT_ALLOWED");
  });

  it("refuses HS256 signed with the public key as the HMAC secret", async () => {
    const secret = new TextEncoder().encode(JSON.stringify(ed.jwk));
    const token = await new SignJWT(claimsFor(nowSeconds()))
      .setProtectedHeader({ alg: "HS256", typ: "tessera-ent+jwt", kid: ed.kid })
      .sign(secret);
    expect(await refusal(token)).toBe("TOKEN_ALG_NOT_ALLOWED");
  });

  it("refuses a token whose alg does not match its key", async () => {
    const token = await sign(es, claimsFor(nowSeconds()), { kid: ed.kid });
    expect(await refusal(token)).toBe("TOKEN_ALG_NOT_ALLOWED");
  });

  it("refuses an algorithm the verifier was narrowed away from", async () => {
    const edOnly = sdk.createVerifier({
      jwks: { keys: [es.jwk as nodeEntry.PublicJwk] },
      tenant: "acme",
      ...EXPECTED,
      algorithms: ["EdDSA"],
    });
    expect(await refusal(await sign(es, claimsFor(nowSeconds())), edOnly)).toBe("TOKEN_ALG_NOT_ALLOWED");
    expect(() =>
      sdk.createVerifier({ jwks: { keys: [] }, tenant: "acme", ...EXPECTED, algorithms: ["HS256" as "EdDSA"] }),
    ).toThrow(TypeError);
  });

  it("refuses an unknown kid", async () => {
    const stranger = await makeKey("EdDSA");
    expect(await refusal(await sign(stranger, claimsFor(nowSeconds())))).toBe("TOKEN_KID_UNKNOWN");
  });

  it("refuses a token signed by another key under a known kid", async () => {
    const impostor = { ...(await makeKey("EdDSA")), kid: ed.kid };
    expect(await refusal(await sign(impostor, claimsFor(nowSeconds())))).toBe("TOKEN_SIGNATURE_INVALID");
  });

  it("refuses a tampered payload", async () => {
    const now = nowSeconds();
    const [header, , signature] = (await sign(ed, claimsFor(now))).split(".");
    const richer = claimsFor(now, { ent: { "export-pdf": true, everything: true } });
    expect(await refusal(`${header}.${b64(richer)}.${signature}`)).toBe("TOKEN_SIGNATURE_INVALID");
  });

  it.each([
    ["another tenant", { tn: "ten_other", tn_slug: "globex" }, "TOKEN_TENANT_MISMATCH"],
    ["another storefront", { aud: "sf_other" }, "TOKEN_AUDIENCE_MISMATCH"],
    ["an unknown issuer", { iss: "https://evil.example" }, "TOKEN_ISSUER_MISMATCH"],
    ["an expired token", { exp: nowSeconds() - 60 }, "TOKEN_EXPIRED"],
    ["a token not valid yet", { nbf: nowSeconds() + 60 }, "TOKEN_NOT_YET_VALID"],
    ["a token issued in the future", { iat: nowSeconds() + 60 }, "TOKEN_ISSUED_IN_FUTURE"],
    ["another claims version", { ver: 2 }, "TOKEN_VERSION_UNSUPPORTED"],
    ["a wrong claim shape", { ent: { x: { level: "a" } } }, "TOKEN_CLAIMS_INVALID"],
    ["a missing claim", { sub: undefined }, "TOKEN_CLAIMS_INVALID"],
  ])("refuses %s", async (_name, overrides, code) => {
    expect(await refusal(await sign(ed, claimsFor(nowSeconds(), overrides)))).toBe(code);
  });

  it("allows a few seconds of clock skew, not more", async () => {
    const now = nowSeconds();
    expect((await verifier.check(await sign(ed, claimsFor(now - 900, { exp: now - 3 })))).valid).toBe(true);
    expect(await refusal(await sign(ed, claimsFor(now - 900, { exp: now - 6 })))).toBe("TOKEN_EXPIRED");
    expect((await verifier.check(await sign(ed, claimsFor(now, { nbf: now + 3 })))).valid).toBe(true);
    expect((await verifier.check(await sign(ed, claimsFor(now, { iat: now + 3 })))).valid).toBe(true);
    expect(await refusal(await sign(ed, claimsFor(now, { iat: now + 6 })))).toBe("TOKEN_ISSUED_IN_FUTURE");
  });

  it("refuses another typ", async () => {
    expect(await refusal(await sign(ed, claimsFor(nowSeconds()), { typ: "JWT" }))).toBe("TOKEN_TYPE_INVALID");
  });

  it("refuses an oversized token before parsing it", async () => {
    const big = { ids: Array.from({ length: 2000 }, (_, i) => `content-${i}`) };
    const token = await sign(ed, claimsFor(nowSeconds(), { ent: { courses: big } }));
    expect(token.length).toBeGreaterThan(16 * 1024);
    expect(await refusal(token)).toBe("TOKEN_TOO_LARGE");
    expect(await refusal(`${"a".repeat(20_000)}.b.c`)).toBe("TOKEN_TOO_LARGE");
  });

  it.each([["not a jwt"], ["a.b"], ["a.b.c.d"], [`${b64([1])}.${b64({})}.sig`], [`${b64({ typ: "x" })}.e30.sig`]])(
    "refuses the malformed token %s",
    async (token) => {
      expect(await refusal(token)).toBe("TOKEN_MALFORMED");
    },
  );

  it("caches a verified token until it expires", async () => {
    let clock = Date.now();
    const v = sdk.createVerifier({
      jwks: { keys: [ed.jwk as nodeEntry.PublicJwk] },
      tenant: "acme",
      ...EXPECTED,
      now: () => clock,
    });
    const now = Math.floor(clock / 1000);
    const token = await sign(ed, claimsFor(now, { exp: now + 60 }));
    const first = await v.verify(token);
    // A different string object with the same text hits the cache and gets the same object.
    expect(await v.verify(Buffer.from(token).toString())).toBe(first);
    clock += 66_000;
    expect(await refusal(token, v)).toBe("TOKEN_EXPIRED");
  });

  it("matches token errors across realms by name", () => {
    const foreign = runInNewContext(
      "const e = new Error('x'); e.name = 'TesseraTokenError'; e.code = 'TOKEN_EXPIRED'; e",
    ) as unknown;
    expect(foreign instanceof sdk.TesseraTokenError).toBe(false);
    expect(sdk.isTesseraTokenError(foreign)).toBe(true);
    expect(sdk.isTesseraTokenError(Object.assign(new Error("x"), { name: "TesseraTokenError", code: "NOPE" }))).toBe(
      false,
    );
    expect(sdk.isTesseraTokenError(new Error("x"))).toBe(false);
  });

  it("ignores symmetric and private keys in a key set", async () => {
    const secret = { kty: "oct", kid: "hmac", k: "c2VjcmV0" };
    const v = sdk.createVerifier({
      jwks: { keys: [secret, { ...ed.jwk, kid: "leak", d: "AAAA" } as nodeEntry.PublicJwk] },
      tenant: "acme",
      ...EXPECTED,
    });
    const hs = await new SignJWT(claimsFor(nowSeconds()))
      .setProtectedHeader({ alg: "HS256", typ: "tessera-ent+jwt", kid: "hmac" })
      .sign(new TextEncoder().encode("secret"));
    expect(await refusal(hs, v)).toBe("TOKEN_ALG_NOT_ALLOWED");
    const v2 = sdk.createVerifier({
      jwks: { keys: [{ ...ed.jwk, kid: "leak", d: "AAAA" } as nodeEntry.PublicJwk] },
      tenant: "acme",
      ...EXPECTED,
    });
    expect(await refusal(await sign({ ...ed, kid: "leak" }, claimsFor(nowSeconds())), v2)).toBe("TOKEN_KID_UNKNOWN");
  });
});
