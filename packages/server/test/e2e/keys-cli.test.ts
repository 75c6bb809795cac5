import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tessera, tesseraJson } from "./cli.js";
import { type EntitledWorld, startEntitledWorld } from "./entitled-world.js";

/*
 * `tessera keys rotate` in its own process while `tessera serve` runs on the same database: the
 * server signs with the new key from its very next token (it keeps no idea of "the active key"
 * between requests) and publishes both keys until the old one's tokens have expired.
 */
const header = (token: string) => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString());

describe("tessera keys", () => {
  let world: EntitledWorld;

  beforeAll(async () => {
    world = await startEntitledWorld();
  });
  afterAll(() => world?.close());

  it("rotates a running server's signing key from the command line", async () => {
    const first = header(await world.token(world.customers.entitled));
    expect(first.alg).toBe("EdDSA"); // made on the first token

    const rotated = tesseraJson(
      ["keys", "rotate", "--tenant", "shop", "--env", "production", "--alg", "ES256"],
      world.env,
    );
    expect(rotated.key).toMatchObject({ alg: "ES256", status: "active" });
    expect(rotated.previous).toEqual([expect.objectContaining({ id: first.kid, status: "retiring" })]);

    const next = header(await world.token(world.customers.entitled));
    expect(next).toMatchObject({ alg: "ES256", kid: rotated.key.id });
    const jwks = await (await fetch(world.jwksUrl)).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([first.kid, rotated.key.id].sort());

    const listed = tesseraJson(["keys", "list", "--tenant", "shop", "--env", "production"], world.env);
    expect(listed.map((k: { id: string; status: string }) => [k.id, k.status])).toEqual([
      [rotated.key.id, "active"],
      [first.kid, "retiring"],
    ]);
    // Development has keys of its own: none were touched.
    expect(tesseraJson(["keys", "list", "--tenant", "shop", "--env", "development"], world.env)).toEqual([]);
  });

  it("explains a wrong tenant, environment or algorithm", () => {
    const noEnv = tessera(["keys", "rotate", "--tenant", "shop", "--env", "nowhere"], world.env);
    expect(noEnv.status).toBe(1);
    expect(noEnv.stderr).toContain('no environment "nowhere"');
    const noTenant = tessera(["keys", "rotate", "--tenant", "nobody", "--env", "production"], world.env);
    expect(noTenant.stderr).toContain('no tenant "nobody"');
    const badAlg = tessera(["keys", "rotate", "--tenant", "shop", "--env", "production", "--alg", "HS256"], world.env);
    expect(badAlg.status).not.toBe(0);
    expect(badAlg.stderr).toMatch(/HS256/);
  });
});
