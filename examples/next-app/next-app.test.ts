import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EntitledWorld,
  type ExampleProcess,
  startEntitledWorld,
  startProcess,
} from "../../packages/server/test/e2e/entitled-world.js";

/*
 * The real Tessera server and this Next.js app (`next build`, then `next start`), each its own
 * process. `next build` takes about 20 s on a 2-core machine; `next start` is then ready in about
 * a second and answers like production, which `next dev` (compiling on the first request) does not.
 */
const here = dirname(fileURLToPath(import.meta.url));
const next = join(here, "node_modules/.bin/next");
const quiet = { NEXT_TELEMETRY_DISABLED: "1" };

/** `next start` wants a port number up front: ask the OS for a free one. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe("examples/next-app", () => {
  let world: EntitledWorld;
  let app: ExampleProcess;

  beforeAll(async () => {
    const build = spawnSync(next, ["build"], {
      cwd: here,
      env: { ...process.env, ...quiet },
      encoding: "utf8",
      timeout: 300_000,
    });
    expect(build.status, `next build failed:\n${build.stdout}\n${build.stderr}`).toBe(0);
    world = await startEntitledWorld();
    const port = await freePort();
    app = await startProcess(next, ["start", "--port", String(port), "--hostname", "127.0.0.1"], {
      cwd: here,
      env: {
        ...quiet,
        TESSERA_JWKS_URL: world.jwksUrl,
        TESSERA_TENANT: world.tenant,
        TESSERA_STOREFRONT: world.storefront,
        TESSERA_ISSUER: world.url,
      },
      ready: (out) => (/Ready in/.test(out) ? `http://127.0.0.1:${port}` : undefined),
    });
  }, 360_000);
  afterAll(async () => {
    await app?.stop();
    await world?.close();
  });

  const get = (token?: string) =>
    fetch(`${app.url}/api/reports`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it("answers 200 to the entitled customer's token", async () => {
    const res = await get(await world.token(world.customers.entitled));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ exported: true, customer: world.customers.entitled });
  });

  it("answers 200 to a customer entitled by a subscription", async () => {
    const res = await get(await world.token(world.customers.subscriber));
    expect(res.status).toBe(200);
    expect((await res.json()).customer).toBe(world.customers.subscriber);
  });

  it("answers 403 to a customer without the entitlement", async () => {
    const res = await get(await world.token(world.customers.plain));
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("ENTITLEMENT_REQUIRED");
  });

  it("answers 401 without a token, and to a token signed by someone else", async () => {
    expect((await get()).status).toBe(401);
    const token = await world.token(world.customers.entitled);
    const [h, p] = token.split(".");
    // A signature that is not the server's: an attacker re-using a real header and payload.
    const forged = `${h}.${p}.${Buffer.alloc(64, 7).toString("base64url")}`;
    expect((await get(forged)).status).toBe(401);
  });

  it("reads the token from the cookie too", async () => {
    const res = await fetch(`${app.url}/api/reports`, {
      headers: { cookie: `tessera_ent=${await world.token(world.customers.entitled)}` },
    });
    expect(res.status).toBe(200);
  });
});
