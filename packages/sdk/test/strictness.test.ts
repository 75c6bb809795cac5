import { beforeAll, describe, expect, it } from "vitest";
import * as nodeEntry from "../src/index.js";
import * as webEntry from "../src/index.web.js";
import { isCanonicalBase64url } from "../src/jws.js";
import { duplicateKey } from "../src/strict-json.js";
import {
  claimsFor,
  EXPECTED,
  ISSUER,
  makeKey,
  nowSeconds,
  STOREFRONT_ID,
  sign,
  type TestKey,
} from "./support/tokens.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const b64 = (text: string) => Buffer.from(text).toString("base64url");

/** The same bytes spelled differently: the last character with one of its unused low bits set. */
function respell(segment: string): string {
  const last = ALPHABET.indexOf(segment.charAt(segment.length - 1));
  return segment.slice(0, -1) + ALPHABET.charAt(last | 1);
}

describe("one spelling of base64url", () => {
  it("accepts exactly the canonical spelling", () => {
    for (const bytes of [[], [0], [255], [1, 2], [255, 255], [1, 2, 3], [9, 8, 7, 6]]) {
      const canonical = Buffer.from(bytes).toString("base64url");
      expect(isCanonicalBase64url(canonical)).toBe(true);
      if (canonical.length % 4 !== 0) {
        // Node decodes both to the same bytes: exactly the ambiguity refused here.
        expect(Buffer.from(respell(canonical), "base64url")).toEqual(Buffer.from(bytes));
        expect(isCanonicalBase64url(respell(canonical))).toBe(false);
      }
    }
    for (const bad of ["A", "AAAAA", "ab+c", "ab/c", "ab=c", "YQ==", "a b", "é"])
      expect(isCanonicalBase64url(bad)).toBe(false);
  });
});

describe("duplicateKey", () => {
  it.each([
    ['{"a":1,"a":2}', "a"],
    ['{"a":1,"\\u0061":2}', "a"],
    ['{"x":{"b":[{"c":1,"c":2}]}}', "c"],
    ['{"x":[1,{"y":1}],"y":2,"x":3}', "x"],
  ])("finds the repeated key in %s", (text, key) => {
    expect(duplicateKey(text)).toBe(key);
  });
  it.each([
    ['{"a":1,"b":{"a":2}}'],
    ['{"a":["a","a"],"b":"a"}'],
    ['{"a":"\\"","b":"}{,","c":{}}'],
    ['{"k":"a\\\\","l":1}'],
    ["{}"],
  ])("finds none in %s", (text) => {
    expect(duplicateKey(text)).toBeUndefined();
  });
});

describe.each([
  ["node", nodeEntry],
  ["web", webEntry],
] as const)("strict verification on the %s path", (_runtime, sdk) => {
  let key: TestKey;
  let jwks: nodeEntry.JsonWebKeySet;

  beforeAll(async () => {
    key = await makeKey("EdDSA");
    jwks = { keys: [key.jwk as nodeEntry.PublicJwk] };
  });

  it("requires an issuer and a storefront, or an explicit storefront: any", () => {
    const base = { jwks, tenant: "acme" };
    expect(() => sdk.createVerifier({ ...base, issuer: ISSUER } as nodeEntry.VerifierOptions)).toThrow(
      /`storefront`.*is required/,
    );
    expect(() =>
      sdk.createVerifier({ ...base, storefront: STOREFRONT_ID } as unknown as nodeEntry.VerifierOptions),
    ).toThrow(/`issuer`.*is required/);
    expect(() => sdk.createVerifier({ ...base, issuer: ISSUER, storefront: "any" })).not.toThrow();
    expect(() => sdk.createVerifier({ ...base, issuer: ISSUER, audience: STOREFRONT_ID })).not.toThrow();
  });

  it("accepts any storefront of the tenant only when told so", async () => {
    const token = await sign(key, claimsFor(nowSeconds(), { aud: "sf_other" }));
    const strict = sdk.createVerifier({ jwks, tenant: "acme", ...EXPECTED });
    expect(await strict.check(token)).toMatchObject({ valid: false, code: "TOKEN_AUDIENCE_MISMATCH" });
    const any = sdk.createVerifier({ jwks, tenant: "acme", issuer: ISSUER, storefront: "any" });
    expect((await any.check(token)).valid).toBe(true);
  });

  it("checks the environment when given", async () => {
    const token = await sign(key, claimsFor(nowSeconds(), { env: "development" }));
    const prod = sdk.createVerifier({ jwks, tenant: "acme", ...EXPECTED, environment: "production" });
    expect(await prod.check(token)).toMatchObject({ valid: false, code: "TOKEN_ENVIRONMENT_MISMATCH" });
    const dev = sdk.createVerifier({ jwks, tenant: "acme", ...EXPECTED, environment: "development" });
    expect((await dev.check(token)).valid).toBe(true);
  });

  it("refuses a second spelling of a valid token's signature", async () => {
    const verifier = sdk.createVerifier({ jwks, tenant: "acme", ...EXPECTED });
    const token = await sign(key, claimsFor(nowSeconds()));
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const twin = `${header}.${payload}.${respell(signature)}`;
    expect(twin).not.toBe(token);
    expect(Buffer.from(respell(signature), "base64url")).toEqual(Buffer.from(signature, "base64url"));
    expect((await verifier.check(token)).valid).toBe(true);
    expect(await verifier.check(twin)).toMatchObject({ valid: false, code: "TOKEN_MALFORMED" });
  });

  it.each(["header", "payload"] as const)("refuses a duplicate key in the %s, even when signed", async (part) => {
    const verifier = sdk.createVerifier({ jwks, tenant: "acme", ...EXPECTED });
    const claims = JSON.stringify(claimsFor(nowSeconds()));
    const header = JSON.stringify({ alg: "EdDSA", typ: "tessera-ent+jwt", kid: key.kid });
    // The first copy is what a first-wins parser reads; JSON.parse reads the last.
    const headerText = part === "header" ? `{"kid":"other",${header.slice(1)}` : header;
    const payloadText = part === "payload" ? `{"aud":"sf_other",${claims.slice(1)}` : claims;
    const input = `${b64(headerText)}.${b64(payloadText)}`;
    const { sign: edSign, createPrivateKey } = await import("node:crypto");
    const pkcs8 = await crypto.subtle.exportKey("pkcs8", key.privateKey);
    const signature = edSign(
      null,
      Buffer.from(input),
      createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" }),
    );
    const result = await verifier.check(`${input}.${signature.toString("base64url")}`);
    expect(result).toMatchObject({ valid: false, code: "TOKEN_MALFORMED" });
    expect(result.valid ? "" : result.message).toMatch(/repeats the key/);
  });
});
