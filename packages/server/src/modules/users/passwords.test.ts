import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "a brand new passphrase";

describe("password change and reset", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let globex: TestTenant;
  const sent: Array<{ email: string; token: string; expires_at: string }> = [];
  const anon = () => client(ctx, undefined, undefined);

  beforeAll(async () => {
    ctx = await createTestApp({}, { sendPasswordReset: async (m) => void sent.push(m) });
    acme = await createTestTenant(ctx, "acme");
    globex = await createTestTenant(ctx, "globex");
  });
  afterAll(() => ctx.close());

  async function invited(role = "viewer", tenant = acme) {
    const email = `pw-${Math.random().toString(36).slice(2)}@example.com`;
    const inv = await tenant.api("POST", "/v1/users/invitations", { email, role });
    const accepted = await anon()("POST", "/v1/auth/invitations/accept", { token: inv.body.token, password: PASSWORD });
    expect(accepted.status).toBe(200);
    return { email, id: accepted.body.user.id as string, ...accepted.body };
  }
  const login = (email: string, password: string) => anon()("POST", "/v1/auth/login", { email, password });

  it("changes a password with the current one and ends every other session", async () => {
    const u = await invited();
    const other = (await login(u.email, PASSWORD)).body;
    const me = client(ctx, u.access_token, undefined);
    const wrong = await me("POST", "/v1/auth/password", {
      current_password: "not it at all",
      new_password: NEW_PASSWORD,
    });
    expect(wrong.status).toBe(401);
    const short = await me("POST", "/v1/auth/password", { current_password: PASSWORD, new_password: "short" });
    expect(short.status).toBe(400);
    const ok = await me("POST", "/v1/auth/password", { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(ok.status).toBe(200);
    // This session lives on; the other one ended, access token and refresh token alike.
    expect((await me("GET", "/v1/auth/me")).status).toBe(200);
    expect((await client(ctx, other.access_token, undefined)("GET", "/v1/auth/me")).status).toBe(401);
    expect((await anon()("POST", "/v1/auth/refresh", { refresh_token: other.refresh_token })).status).toBe(401);
    expect((await login(u.email, PASSWORD)).status).toBe(401);
    expect((await login(u.email, NEW_PASSWORD)).status).toBe(200);
  });

  it("locks the account after repeated wrong current passwords, as sign-in does", async () => {
    const u = await invited();
    const me = client(ctx, u.access_token, undefined);
    const statuses = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await me("POST", "/v1/auth/password", { current_password: "wrong guess!", new_password: NEW_PASSWORD }))
          .status,
      );
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await login(u.email, PASSWORD)).body.code).toBe("ACCOUNT_LOCKED");
  });

  it("resets a forgotten password with a one-time token; forgot answers the same for unknown emails", async () => {
    const u = await invited();
    const before = sent.length;
    const known = await anon()("POST", "/v1/auth/password/forgot", { email: u.email.toUpperCase() });
    const unknown = await anon()("POST", "/v1/auth/password/forgot", { email: "nobody-at-all@example.com" });
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(known.body).toEqual(unknown.body);
    expect(sent.length).toBe(before + 1);
    const { token, email } = sent.at(-1)!;
    expect(email).toBe(u.email);
    // Hashed at rest.
    const rows = await ctx.deps.db.selectFrom("password_resets").selectAll().where("user_id", "=", u.id).execute();
    expect(rows.map((r) => r.token_hash)).not.toContain(token);

    const reset = await anon()("POST", "/v1/auth/password/reset", { token, new_password: NEW_PASSWORD });
    expect(reset.status).toBe(200);
    // Every session ended; the new password works, the old one does not; the token works once.
    expect((await client(ctx, u.access_token, undefined)("GET", "/v1/auth/me")).status).toBe(401);
    expect((await login(u.email, NEW_PASSWORD)).status).toBe(200);
    expect((await login(u.email, PASSWORD)).status).toBe(401);
    const again = await anon()("POST", "/v1/auth/password/reset", { token, new_password: "yet another passphrase" });
    expect(again.status).toBe(404);
  });

  it("expires reset tokens after 30 minutes, and a newer token voids the older", async () => {
    const u = await invited();
    await anon()("POST", "/v1/auth/password/forgot", { email: u.email });
    const first = sent.at(-1)!.token;
    await anon()("POST", "/v1/auth/password/forgot", { email: u.email });
    const second = sent.at(-1)!.token;
    expect((await anon()("POST", "/v1/auth/password/reset", { token: first, new_password: NEW_PASSWORD })).status).toBe(
      404,
    );
    ctx.clock.advance(31 * 60_000);
    expect(
      (await anon()("POST", "/v1/auth/password/reset", { token: second, new_password: NEW_PASSWORD })).status,
    ).toBe(404);
  });

  it("throttles forgot per account, quietly", async () => {
    const u = await invited();
    const before = sent.length;
    for (let i = 0; i < 5; i++) {
      expect((await anon()("POST", "/v1/auth/password/forgot", { email: u.email })).status).toBe(202);
    }
    // Three a hour reach the user; the rest are dropped without saying so.
    expect(sent.length - before).toBe(3);
  });

  it("lets a tenant admin issue a reset token only for a user of that tenant alone", async () => {
    const u = await invited("support");
    const issued = await acme.api("POST", `/v1/users/${u.id}/password-reset`);
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ object: "password_reset", user: u.id });
    expect(
      (await anon()("POST", "/v1/auth/password/reset", { token: issued.body.token, new_password: NEW_PASSWORD }))
        .status,
    ).toBe(200);
    // Another tenant cannot, and a user who also belongs to globex is not acme's to reset.
    expect((await globex.api("POST", `/v1/users/${u.id}/password-reset`)).status).toBe(404);
    const inv = await globex.api("POST", "/v1/users/invitations", { email: u.email, role: "viewer" });
    await anon()("POST", "/v1/auth/invitations/accept", { token: inv.body.token, password: NEW_PASSWORD });
    const refused = await acme.api("POST", `/v1/users/${u.id}/password-reset`);
    expect(refused.status).toBe(403);
  });

  it("records password, two-factor, session and membership changes in the audit trail, without secrets", async () => {
    const u = await invited("developer");
    const me = client(ctx, u.access_token, undefined);
    await me("POST", "/v1/auth/password", { current_password: PASSWORD, new_password: NEW_PASSWORD });
    await acme.api("PATCH", `/v1/users/${u.id}`, { role: "viewer" });
    const second = (await login(u.email, NEW_PASSWORD)).body;
    await me("DELETE", `/v1/auth/sessions/${second.session}`);
    await acme.api("DELETE", `/v1/users/${u.id}`);
    const trail = await acme.api("GET", `/v1/audit?object_id=${u.id}&limit=100`);
    expect(trail.status).toBe(200);
    const actions = trail.body.data.map((r: { action: string }) => r.action).reverse();
    expect(actions).toEqual([
      "user.created",
      "user.password_changed",
      "user.role_changed",
      "user.session_revoked",
      "user.removed",
    ]);
    const changed = trail.body.data.find((r: { action: string }) => r.action === "user.role_changed");
    expect(changed).toMatchObject({ before: { role: "developer" }, after: { role: "viewer" }, environment: null });
    const text = JSON.stringify(trail.body);
    for (const secret of [NEW_PASSWORD, PASSWORD, u.email, u.refresh_token]) expect(text).not.toContain(secret);
    const invitedRecord = await acme.api("GET", "/v1/audit?action=user.invited&limit=100");
    expect(invitedRecord.body.data.length).toBeGreaterThan(0);
    expect(JSON.stringify(invitedRecord.body)).not.toMatch(/tiv_/);
  });
});
