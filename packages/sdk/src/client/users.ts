import type {
  AcceptInvitationInput,
  ChangePasswordInput,
  CreateInvitationInput,
  CreateRoleInput,
  DisableTotpInput,
  Invitation,
  LoginInput,
  Member,
  PasswordReset,
  ResetPasswordInput,
  Role,
  Session,
  SessionTokens,
  TotpSetup,
  UpdateMembershipInput,
  UpdateRoleInput,
  User,
} from "../generated/types.js";
import { createHttp, type Http, type RequestOptions, seg, type TesseraOptions } from "./http.js";
import { Namespace, type Page } from "./resources.js";

/**
 * The tenant's users (`tessera.users`): invite, list, update, remove. Needs `users:manage`.
 *
 * @example
 * await tessera.users.invite({ email: "ada@example.com", role: "viewer", environments: ["production"] });
 */
export class UsersApi extends Namespace {
  /**
   * Invites someone with a role; the one-time token in the answer is what they accept with.
   *
   * @example
   * const { token } = await tessera.users.invite({ email: "ada@example.com", role: "finance" });
   */
  invite(input: CreateInvitationInput, options?: RequestOptions): Promise<Invitation> {
    return this.call("POST", "/v1/users/invitations", { ...options, json: input });
  }

  /**
   * The tenant's users with their roles.
   *
   * @example
   * const { data } = await tessera.users.list();
   */
  list(options?: RequestOptions): Promise<Page<Member>> {
    return this.call("GET", "/v1/users", options);
  }

  /**
   * Changes a user's role or environments in this tenant.
   *
   * @example
   * await tessera.users.update("usr_123", { role: "viewer", environments: ["production"] });
   */
  update(user: string, input: UpdateMembershipInput, options?: RequestOptions): Promise<{ ok: true }> {
    return this.call("PATCH", `/v1/users/${seg(user)}`, { ...options, json: input });
  }

  /**
   * Removes a user from this tenant.
   *
   * @example
   * await tessera.users.remove("usr_123");
   */
  remove(user: string, options?: RequestOptions): Promise<{ ok: true }> {
    return this.call("DELETE", `/v1/users/${seg(user)}`, options);
  }

  /**
   * A one-time password reset token for a user who belongs to this tenant only (shown once).
   *
   * @example
   * const { token } = await tessera.users.issuePasswordReset("usr_123");
   */
  issuePasswordReset(user: string, options?: RequestOptions): Promise<PasswordReset> {
    return this.call("POST", `/v1/users/${seg(user)}/password-reset`, options);
  }
}

/**
 * The built-in roles and the tenant's custom roles (`tessera.roles`). Needs `users:manage`.
 *
 * @example
 * const role = await tessera.roles.create({ name: "catalog-dev", permissions: ["catalog:write"] });
 */
export class RolesApi extends Namespace {
  /**
   * Built-in roles (immutable) and the tenant's own.
   *
   * @example
   * const { data } = await tessera.roles.list();
   */
  list(options?: RequestOptions): Promise<Page<Role>> {
    return this.call("GET", "/v1/roles", options);
  }

  /**
   * A custom role by id, or a built-in role by name.
   *
   * @example
   * const viewer = await tessera.roles.retrieve("viewer");
   */
  retrieve(id: string, options?: RequestOptions): Promise<Role> {
    return this.call("GET", `/v1/roles/${seg(id)}`, options);
  }

  /**
   * Creates a custom role; it cannot grant what the caller does not hold.
   *
   * @example
   * await tessera.roles.create({ name: "readonly-prod", permissions: ["catalog:read"] });
   */
  create(input: CreateRoleInput, options?: RequestOptions): Promise<Role> {
    return this.call("POST", "/v1/roles", { ...options, json: input });
  }

  /**
   * Changes a custom role (built-in roles are immutable).
   *
   * @example
   * await tessera.roles.update("role_123", { permissions: ["catalog:read", "events:read"] });
   */
  update(id: string, input: UpdateRoleInput, options?: RequestOptions): Promise<Role> {
    return this.call("PATCH", `/v1/roles/${seg(id)}`, { ...options, json: input });
  }

  /**
   * Deletes a custom role that nobody holds.
   *
   * @example
   * await tessera.roles.delete("role_123");
   */
  delete(id: string, options?: RequestOptions): Promise<Role> {
    return this.call("DELETE", `/v1/roles/${seg(id)}`, options);
  }
}

/**
 * Signing in: no credentials are sent, the body is the credential.
 *
 * @example
 * const auth = new TesseraAuth({ baseUrl: "https://tessera.example.com" });
 * const { access_token } = await auth.login({ email: "ada@example.com", password });
 */
export class TesseraAuth {
  readonly #http: Http;

  /**
   * @example
   * const auth = new TesseraAuth({ baseUrl: "https://tessera.example.com" });
   */
  constructor(options: Pick<TesseraOptions, "baseUrl" | "fetch" | "timeout" | "retry">) {
    this.#http = createHttp({ ...options, apiKey: "anonymous" }, "TesseraAuth", false);
  }

  /**
   * Signs in; with two-factor on, `totp` is the authenticator's current code.
   *
   * @example
   * const { access_token, refresh_token } = await auth.login({ email: "ada@example.com", password });
   */
  login(input: LoginInput, options?: RequestOptions): Promise<SessionTokens> {
    return this.#http.request("POST", "/v1/auth/login", { ...options, json: input, anonymous: true });
  }

  /**
   * New tokens for a refresh token (which then stops working; using it again ends the session).
   *
   * @example
   * const tokens = await auth.refresh(previous.refresh_token);
   */
  refresh(refreshToken: string, options?: RequestOptions): Promise<SessionTokens> {
    return this.#http.request("POST", "/v1/auth/refresh", {
      ...options,
      json: { refresh_token: refreshToken },
      anonymous: true,
    });
  }

  /**
   * Accepts an invitation (creating the account, or joining with an existing one's password).
   *
   * @example
   * const tokens = await auth.acceptInvitation({ token, password: "a long password" });
   */
  acceptInvitation(input: AcceptInvitationInput, options?: RequestOptions): Promise<SessionTokens> {
    return this.#http.request("POST", "/v1/auth/invitations/accept", { ...options, json: input, anonymous: true });
  }

  /**
   * Asks for a password reset e-mail; the answer is the same whether or not the email has an account.
   *
   * @example
   * await auth.forgotPassword("ada@example.com");
   */
  forgotPassword(email: string, options?: RequestOptions): Promise<{ ok: true }> {
    return this.#http.request("POST", "/v1/auth/password/forgot", { ...options, json: { email }, anonymous: true });
  }

  /**
   * Sets a new password with a one-time reset token; every session of the user ends.
   *
   * @example
   * await auth.resetPassword({ token, new_password: "a new long password" });
   */
  resetPassword(input: ResetPasswordInput, options?: RequestOptions): Promise<{ ok: true }> {
    return this.#http.request("POST", "/v1/auth/password/reset", { ...options, json: input, anonymous: true });
  }
}

/**
 * The signed-in user's sessions (`session.sessions`).
 *
 * @example
 * const { data } = await session.sessions.list();
 */
export class SessionsApi extends Namespace {
  /**
   * Live sessions; `current` marks the one making the call.
   *
   * @example
   * const { data } = await session.sessions.list();
   */
  list(options?: RequestOptions): Promise<Page<Session>> {
    return this.call("GET", "/v1/auth/sessions", options);
  }

  /**
   * Ends a session: its tokens stop working at once.
   *
   * @example
   * await session.sessions.revoke("ses_123");
   */
  revoke(id: string, options?: RequestOptions): Promise<{ ok: true }> {
    return this.call("DELETE", `/v1/auth/sessions/${seg(id)}`, options);
  }
}

/**
 * Two-factor authentication of the signed-in user (`session.totp`).
 *
 * @example
 * const { otpauth_url } = await session.totp.setup();
 */
export class TotpApi extends Namespace {
  /**
   * A new secret for an authenticator app (not required until enabled).
   *
   * @example
   * const { otpauth_url } = await session.totp.setup();
   */
  setup(options?: RequestOptions): Promise<TotpSetup> {
    return this.call("POST", "/v1/auth/totp", options);
  }

  /**
   * Turns two-factor on with one valid code.
   *
   * @example
   * await session.totp.enable("123456");
   */
  enable(code: string, options?: RequestOptions): Promise<User> {
    return this.call("POST", "/v1/auth/totp/enable", { ...options, json: { code } });
  }

  /**
   * Turns two-factor off with the password and a current code.
   *
   * @example
   * await session.totp.disable({ password, code: "123456" });
   */
  disable(input: DisableTotpInput, options?: RequestOptions): Promise<User> {
    return this.call("POST", "/v1/auth/totp/disable", { ...options, json: input });
  }
}

/**
 * A client for a signed-in user, with their access token: their profile, sessions and two-factor.
 * (On tenant routes, pass the access token as `apiKey` to `Tessera`, with the tenant.)
 *
 * @example
 * const session = new TesseraSession({ accessToken: tokens.access_token, baseUrl: "https://tessera.example.com" });
 * const me = await session.me();
 */
export class TesseraSession {
  readonly sessions: SessionsApi;
  readonly totp: TotpApi;
  readonly #http: Http;

  constructor(options: Omit<TesseraOptions, "apiKey" | "tenant"> & { accessToken: string }) {
    this.#http = createHttp({ ...options, apiKey: options.accessToken }, "TesseraSession", false);
    this.sessions = new SessionsApi(this.#http);
    this.totp = new TotpApi(this.#http);
  }

  /**
   * The signed-in user with their memberships.
   *
   * @example
   * const { email, memberships } = await session.me();
   */
  me(options?: RequestOptions): Promise<User> {
    return this.#http.request("GET", "/v1/auth/me", options);
  }

  /**
   * Changes the password (the current one is needed); every other session ends.
   *
   * @example
   * await session.changePassword({ current_password: old, new_password: "a new long password" });
   */
  changePassword(input: ChangePasswordInput, options?: RequestOptions): Promise<{ ok: true }> {
    return this.#http.request("POST", "/v1/auth/password", { ...options, json: input });
  }
}
