import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EntitledWorld,
  type ExampleProcess,
  startEntitledWorld,
  startProcess,
} from "../../packages/server/test/e2e/entitled-world.js";

/*
 * The real Tessera server and this example, each its own process, talking over HTTP: tokens come
 * from POST /v1/customers/{id}/entitlements/token, the example verifies them offline against the
 * published JWKS with @tessera/sdk/express.
 */
const here = dirname(fileURLToPath(import.meta.url));

describe("examples/express-app", () => {
  let world: EntitledWorld;
  let app: ExampleProcess;

  beforeAll(async () => {
    world = await startEntitledWorld();
    app = await startProcess(process.execPath, ["--import", "tsx", "server.ts"], {
      cwd: here,
      env: {
        PORT: "0",
        TESSERA_JWKS_URL: world.jwksUrl,
        TESSERA_TENANT: world.tenant,
        TESSERA_STOREFRONT: world.storefront,
        TESSERA_ISSUER: world.url,
      },
      ready: (out) => /"listening":"([^"]+)"/.exec(out)?.[1],
    });
  });
  afterAll(async () => {
    await app?.stop();
    await world?.close();
  });

  const get = (path: string, token?: string) =>
    fetch(`${app.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it("lets the entitled customer through (200)", async () => {
    const res = await get("/reports/export.pdf", await world.token(world.customers.entitled));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ exported: true, customer: world.customers.entitled });
  });

  it("lets a customer entitled by a subscription through (200)", async () => {
    const res = await get("/reports/export.pdf", await world.token(world.customers.subscriber));
    expect(res.status).toBe(200);
    expect((await res.json()).customer).toBe(world.customers.subscriber);
  });

  it("refuses the customer without the entitlement (403)", async () => {
    const res = await get("/reports/export.pdf", await world.token(world.customers.plain));
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect((await res.json()).code).toBe("ENTITLEMENT_REQUIRED");
  });

  it("refuses a request without a token (401), and a forged one", async () => {
    expect((await get("/reports/export.pdf")).status).toBe(401);
    const token = await world.token(world.customers.plain);
    const [h, p, s] = token.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, ent: { "export-pdf": true } })).toString("base64url");
    expect((await get("/reports/export.pdf", `${h}.${forged}.${s}`)).status).toBe(401);
  });

  it("follows a revoked grant in the next token", async () => {
    const before = await world.token(world.customers.entitled);
    expect((await get("/reports/export.pdf", before)).status).toBe(200);
    const revoked = await world.api("DELETE", `/v1/customers/${world.customers.entitled}/grants/${world.grantId}`);
    expect(revoked.status).toBe(200);
    const after = await world.token(world.customers.entitled);
    expect((await get("/reports/export.pdf", after)).status).toBe(403);
  });
});
