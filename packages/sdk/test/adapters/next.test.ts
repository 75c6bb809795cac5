import { describe, expect, it } from "vitest";
import { createVerifier } from "../../src/index.web.js";
import { entitlementMiddleware, getEntitlements, withEntitlement } from "../../src/next.js";
import { claimsFor, EXPECTED, makeKey, nowSeconds, sign } from "../support/tokens.js";
import { COOKIE, HEADER, ROUTES, testFramework, toAdapterResponse } from "./conformance.js";

const request = (path: string, headers: Record<string, string> = {}) =>
  new Request(`http://shop.test${path}`, { headers });

// Next runs these on the edge, so the suite uses the web (jose) verifier.
testFramework("Next route handlers", createVerifier as never, (verifier) => {
  const handlers = new Map(
    Object.entries(ROUTES).map(([path, { key, requirement }]) => [
      path,
      withEntitlement(
        async (_request, _context, entitlements) => Response.json({ customer: entitlements.customerId }),
        key,
        { verifier, cookie: COOKIE, header: HEADER, ...requirement },
      ),
    ]),
  );
  return {
    request: async (path, headers) => toAdapterResponse(await handlers.get(path)!(request(path, headers), {})),
  };
});

testFramework("Next middleware", createVerifier as never, (verifier) => {
  const middleware = entitlementMiddleware({
    verifier,
    cookie: COOKIE,
    header: HEADER,
    rules: Object.entries(ROUTES).map(([path, { key, requirement }]) => ({ matcher: path, key, ...requirement })),
  });
  return {
    async request(path, headers) {
      const req = request(path, headers);
      const refused = await middleware(req);
      if (refused) return toAdapterResponse(refused);
      // Let through: the page reads the entitlements the way a server component would.
      const ent = await getEntitlements({ verifier, cookie: COOKIE, header: HEADER, requestHeaders: req.headers });
      return toAdapterResponse(Response.json({ customer: ent?.customerId }));
    },
  };
});

describe("Next helpers specifics", () => {
  it("lets unmatched paths through and redirects refused page visits when asked", async () => {
    const key = await makeKey();
    const verifier = createVerifier({ jwks: { keys: [key.jwk] as never }, tenant: "acme", ...EXPECTED });
    expect(verifier.runtime).toBe("web");
    const middleware = entitlementMiddleware({
      verifier,
      rules: [
        { matcher: /^\/reports\/\d+$/, key: "export-pdf" },
        { matcher: "/pro", key: "admin", redirectTo: "/pricing" },
      ],
    });
    expect(await middleware(request("/"))).toBeUndefined();
    expect(await middleware(request("/professional"))).toBeUndefined();
    expect((await middleware(request("/reports/12")))?.status).toBe(401);
    const token = await sign(key, claimsFor(nowSeconds()));
    expect(await middleware(request("/reports/12", { authorization: `Bearer ${token}` }))).toBeUndefined();
    const redirected = await middleware(request("/pro/settings", { authorization: `Bearer ${token}` }));
    expect(redirected?.status).toBe(307);
    expect(redirected?.headers.get("location")).toBe("http://shop.test/pricing?reason=ENTITLEMENT_REQUIRED");
  });

  it("getEntitlements ignores an invalid token unless told to throw", async () => {
    const key = await makeKey();
    const verifier = createVerifier({ jwks: { keys: [key.jwk] as never }, tenant: "acme", ...EXPECTED });
    const requestHeaders = new Headers({ cookie: `${COOKIE}=garbage` });
    expect(await getEntitlements({ verifier, cookie: COOKIE, requestHeaders })).toBeUndefined();
    await expect(
      getEntitlements({ verifier, cookie: COOKIE, requestHeaders, onInvalid: "throw" }),
    ).rejects.toMatchObject({
      code: "TOKEN_MALFORMED",
    });
    expect(await getEntitlements({ verifier, cookie: COOKIE, requestHeaders: new Headers() })).toBeUndefined();
  });

  // next is an optional peer: whether it is installed here depends on the workspace's install.
  const nextInstalled = import("next/headers").then(
    () => true,
    () => false,
  );

  it("getEntitlements reads next/headers: a clear error without Next.js, Next's own outside a request", async () => {
    const verifier = createVerifier({ jwks: { keys: [] }, tenant: "acme", ...EXPECTED });
    const expected = (await nextInstalled) ? /outside a request scope/ : /needs Next\.js \(next\/headers\)/;
    await expect(getEntitlements({ verifier })).rejects.toThrow(expected);
  });
});
