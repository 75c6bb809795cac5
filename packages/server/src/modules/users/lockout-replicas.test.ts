import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, dialect, type TestContext } from "../../../test/harness.js";
import { createApp } from "../../app.js";

const PASSWORD = "correct horse battery staple";

/*
 * Failed sign-ins are counted in the shared rate-limit store: on Postgres (production) every
 * replica sees the same count, so spreading guesses over replicas gains nothing. Two app instances
 * over one database stand for two replicas. SQLite is one node by design (its counters are in
 * memory), so the cross-replica case runs on Postgres only.
 */
describe.skipIf(dialect !== "postgres")("sign-in lockout across replicas", () => {
  let ctx: TestContext;
  let replicaB: ReturnType<typeof createApp>["app"];
  let email: string;

  beforeAll(async () => {
    ctx = await createTestApp();
    replicaB = createApp(ctx.deps).app;
    const acme = await createTestTenant(ctx, "acme");
    email = `lock-${Math.random().toString(36).slice(2)}@example.com`;
    const inv = await acme.api("POST", "/v1/users/invitations", { email, role: "viewer" });
    const ok = await ctx.app.request(
      "/v1/auth/invitations/accept",
      post({ token: inv.body.token, password: PASSWORD }),
    );
    expect(ok.status).toBe(200);
  });
  afterAll(() => ctx.close());

  const post = (body: unknown) => ({
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  /** A request as if from one client address (what @hono/node-server hands the app). */
  const from = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });

  it("locks an email after five failures spread over two replicas, on both", async () => {
    const statuses: number[] = [];
    for (const app of [ctx.app, replicaB, ctx.app, replicaB, ctx.app]) {
      statuses.push((await app.request("/v1/auth/login", post({ email, password: "wrong password" }))).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    for (const app of [ctx.app, replicaB]) {
      const res = await app.request("/v1/auth/login", post({ email, password: PASSWORD }));
      expect(res.status).toBe(429);
      expect(((await res.json()) as { code: string }).code).toBe("ACCOUNT_LOCKED");
    }
  });

  it("counts password reset requests of one address across replicas", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const app = i % 2 ? replicaB : ctx.app;
      const res = await app.request(
        "/v1/auth/password/forgot",
        post({ email: `someone-${i}@example.com` }),
        from("198.51.100.7"),
      );
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 202)).toBe(true);
    expect(statuses[20]).toBe(429);
    // Another address is not affected.
    const other = await replicaB.request(
      "/v1/auth/password/forgot",
      post({ email: "a@example.com" }),
      from("198.51.100.8"),
    );
    expect(other.status).toBe(202);
  });
});
