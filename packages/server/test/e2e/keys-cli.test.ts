import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tessera, tesseraJson } from "./cli.js";
import { type EntitledWorld, startEntitledWorld } from "./entitled-world.js";

/*
 * `tessera keys rotate` in its own process while `tessera serve` runs on the same database: the
 * new key is published at once and signs after the lead time, or at once with --activate-after 0;
 * the server reads the signing key on every token (it keeps no idea of "the active key" between
 * requests) and publishes the old keys until their tokens have expired.
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

    // By default the new key is published first and signs after the lead time.
    const queued = tesseraJson(["keys", "rotate", "--tenant", "shop", "--env", "production"], world.env);
    expect(queued.key).toMatchObject({ alg: "EdDSA", status: "pending", activates_at: expect.any(String) });
    expect(queued.previous).toEqual([expect.objectContaining({ id: first.kid, status: "active" })]);
    expect(header(await world.token(world.customers.entitled)).kid).toBe(first.kid);
    const published = await (await fetch(world.jwksUrl)).json();
    expect(published.keys.map((k: { kid: string }) => k.kid)).toContain(queued.key.id);

    // --activate-after 0 switches at once (a compromised key), and ends the queued wait.
    const rotated = tesseraJson(
      ["keys", "rotate", "--tenant", "shop", "--env", "production", "--alg", "ES256", "--activate-after", "0"],
      world.env,
    );
    expect(rotated.key).toMatchObject({ alg: "ES256", status: "active" });
    expect(rotated.previous).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: first.kid, status: "retiring" }),
        expect.objectContaining({ id: queued.key.id, status: "retiring" }),
      ]),
    );

    const next = header(await world.token(world.customers.entitled));
    expect(next).toMatchObject({ alg: "ES256", kid: rotated.key.id });
    const jwks = await (await fetch(world.jwksUrl)).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid).sort()).toEqual(
      [first.kid, queued.key.id, rotated.key.id].sort(),
    );

    const listed = tesseraJson(["keys", "list", "--tenant", "shop", "--env", "production"], world.env);
    expect(listed.map((k: { id: string; status: string }) => [k.id, k.status])).toEqual([
      [rotated.key.id, "active"],
      [queued.key.id, "retiring"],
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
