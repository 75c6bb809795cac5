import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { member } from "../../../test/fixtures.js";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

const PASSWORD = "correct horse battery staple";

describe("users and sessions", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let globex: TestTenant;
  const anon = () => client(ctx, undefined, undefined);

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx, "acme");
    globex = await createTestTenant(ctx, "globex");
  });
  afterAll(() => ctx.close());

  async function invited(role: string, environments: "all" | string[] = "all", tenant = acme) {
    const email = `${role}-${Math.random().toString(36).slice(2)}@example.com`;
    const inv = await tenant.api("POST", "/v1/users/invitations", { email, role, environments });
    expect(inv.status).toBe(201);
    const accepted = await anon()("POST", "/v1/auth/invitations/accept", { token: inv.body.token, password: PASSWORD });
    expect(accepted.status).toBe(200);
    return { email, ...accepted.body };
  }

  it("signs in with a password: a short-lived EdDSA access token and a refresh token", async () => {
    const { email } = await invited("developer");
    const res = await anon()("POST", "/v1/auth/login", { email: email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: "session_tokens", token_type: "Bearer", expires_in: 900 });
    const [header] = res.body.access_token.split(".");
    expect(JSON.parse(Buffer.from(header, "base64url").toString())).toMatchObject({ alg: "EdDSA", typ: "at+jwt" });
    const me = await client(ctx, res.body.access_token, undefined)("GET", "/v1/auth/me");
    expect(me.body).toMatchObject({ email, memberships: [{ tenant_slug: "acme", role: "developer" }] });
    // Passwords are stored as scrypt hashes.
    const row = await ctx.deps.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(row.password_hash).not.toContain(PASSWORD);
  });

  it("rotates refresh tokens; reusing an old one revokes the whole session", async () => {
    const first = await invited("viewer");
    const second = await anon()("POST", "/v1/auth/refresh", { refresh_token: first.refresh_token });
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.session).toBe(first.session);
    // The first refresh token again: someone kept a copy. The session ends for everyone.
    const reused = await anon()("POST", "/v1/auth/refresh", { refresh_token: first.refresh_token });
    expect(reused.status).toBe(401);
    expect((await anon()("POST", "/v1/auth/refresh", { refresh_token: second.body.refresh_token })).status).toBe(401);
    expect((await client(ctx, second.body.access_token, undefined)("GET", "/v1/auth/me")).status).toBe(401);
    // The revocation is on the trail of the user's tenant, by the system, saying why.
    const trail = await acme.api("GET", `/v1/audit?object_id=${first.user.id}&action=user.session_revoked`);
    expect(trail.body.data[0]).toMatchObject({
      actor: { type: "system" },
      data: { session: first.session, reason: "refresh_token_reused" },
    });
  });

  it("lists sessions and ends one at once", async () => {
    const { email } = await invited("viewer");
    const a = (await anon()("POST", "/v1/auth/login", { email, password: PASSWORD })).body;
    const b = (await anon()("POST", "/v1/auth/login", { email, password: PASSWORD })).body;
    // A refresh keeps the session's first sign-in time (read in the same query as the live row).
    ctx.clock.advance(60_000);
    const b2 = (await anon()("POST", "/v1/auth/refresh", { refresh_token: b.refresh_token })).body;
    const list = await client(ctx, a.access_token, undefined)("GET", "/v1/auth/sessions");
    const refreshed = list.body.data.find((s: { id: string }) => s.id === b.session);
    expect(refreshed.created_at < refreshed.last_refreshed_at).toBe(true);
    expect(b2.session).toBe(b.session);
    expect(list.body.data.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining([a.session, b.session]));
    expect(list.body.data.find((s: { id: string }) => s.id === a.session).current).toBe(true);
    expect((await client(ctx, a.access_token, undefined)("DELETE", `/v1/auth/sessions/${b.session}`)).status).toBe(200);
    expect((await client(ctx, b.access_token, acme.slug)("GET", "/v1/customers")).status).toBe(401);
    expect((await client(ctx, a.access_token, acme.slug)("GET", "/v1/customers")).status).toBe(200);
    // Another user's session is not found, whoever asks.
    const other = await invited("viewer");
    expect((await client(ctx, other.access_token, undefined)("DELETE", `/v1/auth/sessions/${a.session}`)).status).toBe(
      404,
    );
  });

  it("requires a TOTP code once two-factor is on", async () => {
    const u = await invited("finance");
    const api = client(ctx, u.access_token, undefined);
    const setup = await api("POST", "/v1/auth/totp");
    expect(setup.body.otpauth_url).toMatch(/^otpauth:\/\/totp\//);
    const totp = new TOTP({ secret: Secret.fromBase32(setup.body.secret) });
    const code = () => totp.generate({ timestamp: ctx.clock.now().getTime() });
    expect(
      (await api("POST", "/v1/auth/totp/enable", { code: code() === "000000" ? "111111" : "000000" })).status,
    ).toBe(400);
    expect((await api("POST", "/v1/auth/totp/enable", { code: code() })).body.totp_enabled).toBe(true);
    expect((await anon()("POST", "/v1/auth/login", { email: u.user.email, password: PASSWORD })).status).toBe(401);
    const ok = await anon()("POST", "/v1/auth/login", { email: u.user.email, password: PASSWORD, totp: code() });
    expect(ok.status).toBe(200);
  });

  it("locks an account after repeated failures, saying the same for an email that does not exist", async () => {
    const u = await invited("viewer");
    for (const email of [u.user.email, "nobody-here@example.com"]) {
      const statuses = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await anon()("POST", "/v1/auth/login", { email, password: "wrong" })).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      const locked = await anon()("POST", "/v1/auth/login", { email, password: PASSWORD });
      expect(locked.body.code).toBe("ACCOUNT_LOCKED");
      expect(locked.body.detail).not.toMatch(/exist|unknown/i);
    }
  });

  it("uses an invitation once, and joins an existing account only with its password", async () => {
    // Not Date.now(): 13 digits pass the Luhn check one time in ten, and card numbers are refused.
    const email = `twice-${Math.random().toString(36).slice(2)}@example.com`;
    const inv = await acme.api("POST", "/v1/users/invitations", { email, role: "support" });
    expect(
      (await anon()("POST", "/v1/auth/invitations/accept", { token: inv.body.token, password: PASSWORD })).status,
    ).toBe(200);
    expect(
      (await anon()("POST", "/v1/auth/invitations/accept", { token: inv.body.token, password: PASSWORD })).status,
    ).toBe(404);
    const other = await globex.api("POST", "/v1/users/invitations", { email, role: "viewer" });
    const wrong = await anon()("POST", "/v1/auth/invitations/accept", {
      token: other.body.token,
      password: "not the password!",
    });
    expect(wrong.status).toBe(401);
    const joined = await anon()("POST", "/v1/auth/invitations/accept", { token: other.body.token, password: PASSWORD });
    expect(joined.body.user.memberships.map((m: { tenant_slug: string }) => m.tenant_slug).sort()).toEqual([
      "acme",
      "globex",
    ]);
  });

  it("keeps users to their tenants and environments", async () => {
    const prodReader = await invited("viewer", ["production"]);
    const as = (env: string, tn = acme.slug) =>
      client(ctx, prodReader.access_token, tn)("GET", "/v1/customers", undefined, { "x-env": env });
    expect((await as("production")).status).toBe(200);
    expect((await as("development")).body.code).toBe("TENANT_MISMATCH");
    expect((await as("production", globex.slug)).body.code).toBe("TENANT_MISMATCH");
    // A customer of acme's development environment is not found from production.
    const cus = await acme.api("POST", "/v1/customers", { storefront: "web", external_id: "dev-only" });
    const res = await client(ctx, prodReader.access_token, acme.slug)(
      "GET",
      `/v1/customers/${cus.body.id}`,
      undefined,
      {
        "x-env": "production",
      },
    );
    expect(res.status).toBe(404);
  });

  it("lets only an owner hand out or take the owner role", async () => {
    const admin = await invited("admin");
    const asAdmin = client(ctx, admin.access_token, acme.slug);
    expect((await asAdmin("POST", "/v1/users/invitations", { email: "o@example.com", role: "owner" })).status).toBe(
      403,
    );
    const owner = await invited("owner");
    const asOwner = client(ctx, owner.access_token, acme.slug);
    expect((await asOwner("POST", "/v1/users/invitations", { email: "o2@example.com", role: "owner" })).status).toBe(
      201,
    );
    expect((await asAdmin("PATCH", `/v1/users/${owner.user.id}`, { role: "viewer" })).status).toBe(403);
    expect((await asOwner("PATCH", `/v1/users/${admin.user.id}`, { role: "viewer" })).status).toBe(200);
    expect((await asAdmin("POST", "/v1/users/invitations", { email: "x@example.com", role: "viewer" })).status).toBe(
      403,
    );
    const members = await acme.api("GET", "/v1/users");
    expect(members.body.data.find((m: { id: string }) => m.id === admin.user.id).role).toBe("viewer");
  });

  it("accepts a platform admin's token on platform routes and in any tenant", async () => {
    await ctx.services.users.createUser({
      email: "root@example.com",
      password: PASSWORD,
      platformRole: "platform_admin",
    });
    const root = (await anon()("POST", "/v1/auth/login", { email: "root@example.com", password: PASSWORD })).body;
    expect((await client(ctx, root.access_token, undefined)("GET", "/v1/tenants")).status).toBe(200);
    expect((await client(ctx, root.access_token, globex.slug)("GET", "/v1/customers")).status).toBe(200);
    const viewer = await member(acme.api);
    expect((await client(ctx, viewer.access_token, undefined)("GET", "/v1/tenants")).status).toBe(403);
  });

  it("puts every access of platform support to a tenant on that tenant's audit trail", async () => {
    await ctx.services.users.createUser({
      email: "support-desk@example.com",
      password: PASSWORD,
      platformRole: "platform_support",
    });
    const desk = (await anon()("POST", "/v1/auth/login", { email: "support-desk@example.com", password: PASSWORD }))
      .body;
    expect((await client(ctx, desk.access_token, globex.slug)("GET", "/v1/customers")).status).toBe(200);
    const trail = await globex.api("GET", "/v1/audit?action=platform.support.access");
    expect(trail.body.data).toHaveLength(1);
    expect(trail.body.data[0]).toMatchObject({
      actor: { type: "user", id: desk.user.id },
      environment: null,
      data: { environment: "development", permission: "customers:read", method: "GET", path: "/v1/customers" },
    });
  });

  it("keeps what platform users do on the platform chain, listed to platform admins and verified like a tenant's", async () => {
    const ops = await ctx.services.users.createUser({
      email: "ops-chain@example.com",
      password: PASSWORD,
      platformRole: "platform_admin",
    });
    const session = (await anon()("POST", "/v1/auth/login", { email: "ops-chain@example.com", password: PASSWORD }))
      .body;
    const asOps = client(ctx, session.access_token, undefined);
    const changed = await asOps("POST", "/v1/auth/password", {
      current_password: PASSWORD,
      new_password: `${PASSWORD}!`,
    });
    expect(changed.status).toBeLessThan(300);
    const invitation = await ctx.services.users.invitePlatformUser({
      email: "helper-chain@example.com",
      role: "platform_support",
    });
    const joined = await anon()("POST", "/v1/auth/invitations/accept", { token: invitation.token, password: PASSWORD });
    expect(joined.status).toBe(200);

    const admin = (await anon()("POST", "/v1/auth/login", { email: "ops-chain@example.com", password: `${PASSWORD}!` }))
      .body;
    const trail = await client(ctx, admin.access_token, undefined)("GET", "/v1/platform/audit?limit=100");
    expect(trail.status).toBe(200);
    const mine = trail.body.data.filter(
      (r: { object_id: string }) =>
        r.object_id === ops.id || r.object_id === invitation.id || r.object_id === joined.body.user.id,
    );
    expect(mine.map((r: { action: string }) => r.action).sort()).toEqual(
      ["invitation.created", "user.created", "user.created", "user.password_changed"].sort(),
    );
    expect(mine.find((r: { object_id: string; action: string }) => r.object_id === joined.body.user.id)).toMatchObject({
      actor: { type: "user", id: joined.body.user.id },
      environment: null,
    });
    // No address in the chain: users are referenced by id.
    expect(JSON.stringify(trail.body)).not.toContain("helper-chain@example.com");
    // Not a tenant's to read, nor a tenant key's.
    expect(
      (await acme.api("GET", "/v1/audit?limit=100")).body.data.map((r: { object_id: string }) => r.object_id),
    ).not.toContain(ops.id);
    expect((await acme.api("GET", "/v1/platform/audit")).status).toBe(401);
    const [report] = await ctx.services.audit.verify("platform");
    expect(report).toMatchObject({ tenant_id: "platform", ok: true, problems: [] });
    expect(report!.records).toBeGreaterThanOrEqual(4);
  });
});
