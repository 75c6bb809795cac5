import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Requirement } from "../../src/gate.js";
import type { Verifier } from "../../src/index.js";
import { claimsFor, EXPECTED, makeKey, nowSeconds, sign, type TestKey } from "../support/tokens.js";

/** The routes every adapter mounts: path → entitlement key and requirement. */
export const ROUTES: Record<string, { key: string; requirement?: Requirement }> = {
  "/export": { key: "export-pdf" },
  "/admin": { key: "admin" },
  "/support": { key: "support", requirement: { level: "priority" } },
  "/vip": { key: "support", requirement: { level: "vip" } },
  "/courses/c1": { key: "courses", requirement: { content: "c1" } },
  "/courses/c9": { key: "courses", requirement: { content: "c9" } },
  "/render": { key: "api-calls", requirement: { quota: 1 } },
  "/bulk": { key: "api-calls", requirement: { quota: 100_000 } },
};

/** Each route's handler answers 200 `{ customer }` when let through. */
export interface AdapterResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export interface Adapter {
  request(path: string, headers?: Record<string, string>): Promise<AdapterResponse>;
  close?(): Promise<void>;
}

/** Token sources every adapter is configured with. */
export const COOKIE = "tessera_ent";
export const HEADER = "x-entitlement-token";

export type Setup = (verifier: Verifier) => Promise<Adapter> | Adapter;

/**
 * One suite, every adapter: the same requests must get the same answers from Express, Next
 * route handlers and Next middleware.
 */
export function testFramework(
  name: string,
  createVerifier: (options: { jwks: unknown; tenant: string; issuer: string; storefront: string }) => Verifier,
  setup: Setup,
): void {
  describe(`${name} adapter conformance`, () => {
    let key: TestKey;
    let adapter: Adapter;
    let token: string;

    beforeAll(async () => {
      key = await makeKey("EdDSA");
      adapter = await setup(createVerifier({ jwks: { keys: [key.jwk] }, tenant: "acme", ...EXPECTED }));
      token = await sign(key, claimsFor(nowSeconds()));
    });
    afterAll(() => adapter.close?.());

    const bearer = () => ({ authorization: `Bearer ${token}` });

    it("answers 401 TOKEN_MISSING as problem+json without a token", async () => {
      const res = await adapter.request("/export");
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(res.body).toMatchObject({
        status: 401,
        code: "TOKEN_MISSING",
        type: "https://tessera.dev/problems/token-missing",
      });
    });

    it("lets an entitled request through from the Authorization header, a cookie or a named header", async () => {
      const sources: Record<string, string>[] = [
        bearer(),
        { cookie: `theme=dark; ${COOKIE}=${token}` },
        { [HEADER]: token },
      ];
      for (const headers of sources) {
        const res = await adapter.request("/export", headers);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ customer: "cus_01JD0000000000000000000000" });
      }
    });

    it("answers 401 with the token's error code for an invalid token", async () => {
      const expired = await sign(key, claimsFor(nowSeconds() - 3600));
      const res = await adapter.request("/export", { authorization: `Bearer ${expired}` });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe("TOKEN_EXPIRED");
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      const [h, p] = token.split(".");
      const tampered = await adapter.request("/export", { authorization: `Bearer ${h}.${p}.AAAA` });
      expect(tampered.body.code).toBe("TOKEN_SIGNATURE_INVALID");
      const garbage = await adapter.request("/export", { cookie: `${COOKIE}=garbage` });
      expect(garbage).toMatchObject({ status: 401, body: { code: "TOKEN_MALFORMED" } });
    });

    it.each([
      ["/admin", "not_granted"],
      ["/vip", "level_too_low"],
      ["/courses/c9", "content_not_granted"],
      ["/bulk", "quota_exhausted"],
    ])("answers 403 ENTITLEMENT_REQUIRED on %s (%s)", async (path, reason) => {
      const res = await adapter.request(path, bearer());
      expect(res.status).toBe(403);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.body).toMatchObject({
        status: 403,
        code: "ENTITLEMENT_REQUIRED",
        reason,
        entitlement: ROUTES[path]?.key,
      });
    });

    it.each(["/support", "/courses/c1", "/render"])(
      "lets %s through when the level, content or quota suffices",
      async (path) => {
        expect((await adapter.request(path, bearer())).status).toBe(200);
      },
    );

    it("answers 503 JWKS_UNAVAILABLE when the key set cannot be loaded", async () => {
      const broken = await setup(createVerifier({ jwks: "http://127.0.0.1:9/jwks", tenant: "acme", ...EXPECTED }));
      try {
        const res = await broken.request("/export", bearer());
        expect(res.status).toBe(503);
        expect(res.body.code).toBe("JWKS_UNAVAILABLE");
      } finally {
        await broken.close?.();
      }
    });
  });
}

/** Reads a fetch Response into the suite's shape. */
export async function toAdapterResponse(res: Response): Promise<AdapterResponse> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}
