import type { AddressInfo } from "node:net";
import { createVerifier } from "@tessera/sdk";
import { requireEntitlement, tessera } from "@tessera/sdk/express";
import express from "express";

/*
 * A merchant's API that gates a route on an entitlement, offline: the SDK verifies the customer's
 * entitlement token against the tenant's public keys (fetched once, cached) and never calls
 * Tessera per request.
 */

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (see README.md)`);
  return value;
}

const verifier = createVerifier({
  jwksUrl: required("TESSERA_JWKS_URL"), // e.g. http://localhost:3000/v1/jwks/acme/production
  tenant: required("TESSERA_TENANT"), // the tenant's slug or id: tokens of other tenants are refused
  storefront: required("TESSERA_STOREFRONT"), // this app's storefront id (the token's `aud`)
  issuer: required("TESSERA_ISSUER"), // the server's public base URL (the token's `iss`)
  environment: process.env.TESSERA_ENVIRONMENT, // e.g. production; checked against `env` when set
});

const app = express();
// Reads `Authorization: Bearer <token>` (or the cookie) and sets req.entitlements; a bad token is 401.
app.use(tessera({ verifier, cookie: "tessera_ent" }));

app.get("/healthz", (_req, res) => {
  res.json({ ok: true });
});

// 401 without a token, 403 ENTITLEMENT_REQUIRED when the token does not grant export-pdf.
app.get("/reports/export.pdf", requireEntitlement("export-pdf"), (req, res) => {
  res.json({ exported: true, customer: req.entitlements?.customerId });
});

// What the token says, for the UI: no entitlement needed.
app.get("/me/entitlements", (req, res) => {
  if (!req.entitlements) {
    res.status(401).json({ error: "no token" });
    return;
  }
  res.json(req.entitlements.toJSON());
});

const server = app.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  // One JSON line, so a test (or a script) knows where it listens.
  console.log(JSON.stringify({ listening: `http://127.0.0.1:${port}` }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
