import type { AddressInfo } from "node:net";
import express from "express";
import { describe, expect, it } from "vitest";
import { requireEntitlement, tessera } from "../../src/express.js";
import { createVerifier } from "../../src/index.js";
import { claimsFor, EXPECTED, makeKey, nowSeconds, sign } from "../support/tokens.js";
import { COOKIE, HEADER, ROUTES, testFramework, toAdapterResponse } from "./conformance.js";

/** A real Express app on a random loopback port. */
async function listen(app: express.Express) {
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    request: async (path: string, headers: Record<string, string> = {}) =>
      toAdapterResponse(await fetch(base + path, { headers })),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

testFramework("Express", createVerifier as never, (verifier) => {
  const app = express();
  app.use(tessera({ verifier, cookie: COOKIE, header: HEADER }));
  for (const [path, { key, requirement }] of Object.entries(ROUTES)) {
    app.get(path, requireEntitlement(key, requirement), (req, res) => {
      res.json({ customer: req.entitlements?.customerId });
    });
  }
  return listen(app);
});

describe("Express adapter specifics", () => {
  it("sets req.entitlements when a token is present and leaves it undefined otherwise", async () => {
    const key = await makeKey();
    const app = express();
    app.use(tessera({ verifier: createVerifier({ jwks: { keys: [key.jwk] as never }, tenant: "acme", ...EXPECTED }) }));
    app.get("/me", (req, res) => {
      res.json({ customer: req.entitlements?.customerId ?? null, tier: req.entitlements?.tier("support") ?? null });
    });
    const server = await listen(app);
    try {
      expect((await server.request("/me")).body).toEqual({ customer: null, tier: null });
      const token = await sign(key, claimsFor(nowSeconds()));
      expect((await server.request("/me", { authorization: `Bearer ${token}` })).body).toEqual({
        customer: "cus_01JD0000000000000000000000",
        tier: "priority",
      });
      expect((await server.request("/me", { authorization: "Bearer nope" })).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it("fails loudly when requireEntitlement is mounted without tessera()", async () => {
    const app = express();
    app.get("/x", requireEntitlement("export-pdf"), (_req, res) => {
      res.send("leaked");
    });
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: error.message });
    });
    const server = await listen(app);
    try {
      const res = await server.request("/x");
      expect(res.status).toBe(500);
      expect(String(res.body.error)).toContain("tessera()");
    } finally {
      await server.close();
    }
  });
});
