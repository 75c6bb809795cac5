/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import {
  type Invitation,
  type Member,
  type Session,
  TENANT_ROLES,
  type TestClock,
  type TotpSetup,
  type User,
} from "@tessera/core";
import { backTo, Field, PostForm, problemText, Section, Select, Table, Time, withMessage } from "../ui.js";
import type { ConsolePage } from "./registry.js";

/* Settings: users and roles with invitations, the viewer's own sessions, the test clock. */

const roles = TENANT_ROLES.map((r) => [r, r] as [string, string]);

export const usersPage: ConsolePage = {
  path: "settings/users",
  nav: "Users",
  permission: "users:manage",
  async render({ api, csrf, href }) {
    const res = await api<{ data: Member[] }>("GET", "/v1/users?limit=100");
    return {
      title: "Users and roles",
      body: (
        <>
          {res.ok ? (
            <Table
              caption="People with access to this tenant"
              head={["Email", "Role", "Environments", "Change role"]}
              rows={res.body.data.map((m) => [
                m.email,
                m.role,
                m.environments === "all" ? "all" : m.environments.join(", "),
                <PostForm action={href("settings/users/role")} csrf={csrf}>
                  <input type="hidden" name="id" value={m.id} />
                  <Select label={`Role of ${m.email}`} name="role" options={roles} value={m.role} />
                  <button type="submit" class="secondary">
                    Save
                  </button>
                </PostForm>,
              ])}
            />
          ) : (
            <p class="error">{problemText(res.body)}</p>
          )}
          <Section title="Invite someone" id="invite">
            <PostForm action={href("settings/users/invite")} csrf={csrf} class="stack">
              <Field label="Email" name="email" type="email" required />
              <Select label="Role" name="role" options={roles} value="viewer" />
              <button type="submit">Invite</button>
            </PostForm>
          </Section>
        </>
      ),
    };
  },
  actions: {
    invite: {
      permission: "users:manage",
      async handle({ api, href }, form) {
        const res = await api<Invitation>("POST", "/v1/users/invitations", { email: form.email, role: form.role });
        if (!res.ok) return { redirect: withMessage(href("settings/users"), "error", problemText(res.body)) };
        return {
          title: "Invitation",
          body: (
            <Section title={`Invitation for ${res.body.email}: send it now`} id="invitation">
              <p>Shown once. They accept it at POST /v1/auth/invitations/accept with this token and a password.</p>
              <p class="secret">{res.body.token}</p>
              <p>
                Valid until <Time at={res.body.expires_at} />. <a href={href("settings/users")}>Done</a>
              </p>
            </Section>
          ),
        };
      },
    },
    role: {
      permission: "users:manage",
      async handle({ api, href }, form) {
        const res = await api("PATCH", `/v1/users/${encodeURIComponent(form.id ?? "")}`, { role: form.role });
        return backTo(href("settings/users"), res, "Role changed");
      },
    },
  },
};

export const sessionsPage: ConsolePage = {
  path: "settings/sessions",
  nav: "My account",
  permission: null,
  async render({ api, csrf, href }) {
    const [res, me] = await Promise.all([
      api<{ data: Session[] }>("GET", "/v1/auth/sessions"),
      api<User>("GET", "/v1/auth/me"),
    ]);
    return {
      title: "My account",
      body: res.ok ? (
        <>
          <Section title="Two-factor authentication" id="totp">
            {me.ok && me.body.totp_enabled ? (
              <p>On: signing in asks for a code of your authenticator app.</p>
            ) : (
              <PostForm action={href("settings/sessions/totp-setup")} csrf={csrf}>
                <p>Off. Turn it on to ask for a 6-digit code at every sign-in.</p>
                <button type="submit">Set up two-factor</button>
              </PostForm>
            )}
          </Section>
          <Section title="Sessions" id="sessions">
            <Table
              caption="Where you are signed in"
              head={["Started", "Last refreshed", "Address", "Browser", ""]}
              rows={res.body.data.map((s) => [
                <Time at={s.created_at} />,
                <Time at={s.last_refreshed_at} />,
                s.ip ?? "—",
                s.user_agent ?? "—",
                s.current ? (
                  "this session"
                ) : (
                  <PostForm action={href("settings/sessions/revoke")} csrf={csrf}>
                    <input type="hidden" name="id" value={s.id} />
                    <button type="submit" class="danger">
                      Sign out
                    </button>
                  </PostForm>
                ),
              ])}
            />
          </Section>
        </>
      ) : (
        <p class="error">{problemText(res.body)}</p>
      ),
    };
  },
  actions: {
    "totp-setup": {
      permission: null,
      async handle({ api, href, csrf }) {
        const res = await api<TotpSetup>("POST", "/v1/auth/totp");
        if (!res.ok) return { redirect: withMessage(href("settings/sessions"), "error", problemText(res.body)) };
        return {
          title: "Set up two-factor",
          body: (
            <Section title="Add this key to your authenticator app" id="totp-setup">
              <p>Shown once. Enter it (or open the otpauth link on this device), then confirm with a code.</p>
              <p class="secret">{res.body.secret}</p>
              <p>
                <a href={res.body.otpauth_url}>otpauth link</a>
              </p>
              <PostForm action={href("settings/sessions/totp-enable")} csrf={csrf} class="stack">
                <Field
                  label="Code from the app"
                  name="code"
                  inputmode="numeric"
                  pattern="[0-9]{6}"
                  autocomplete="one-time-code"
                  required
                />
                <button type="submit">Turn on</button>
              </PostForm>
            </Section>
          ),
        };
      },
    },
    "totp-enable": {
      permission: null,
      async handle({ api, href }, form) {
        const res = await api("POST", "/v1/auth/totp/enable", { code: form.code });
        return backTo(href("settings/sessions"), res, "Two-factor authentication is on");
      },
    },
    revoke: {
      permission: null,
      async handle({ api, href }, form) {
        const res = await api("DELETE", `/v1/auth/sessions/${encodeURIComponent(form.id ?? "")}`);
        return backTo(href("settings/sessions"), res, "Session ended");
      },
    },
  },
};

export const testClockPage: ConsolePage = {
  path: "settings/test-clock",
  nav: "Test clock",
  permission: "test_clocks:write",
  nonProduction: true,
  async render({ api, csrf, href, environment }) {
    const res = await api<TestClock>("GET", "/v1/test-clocks/current");
    return {
      title: "Test clock",
      body: res.ok ? (
        <>
          <p>
            {environment}'s time is <Time at={res.body.now} />
            {res.body.frozen ? " (frozen by the test clock)" : " (the real clock)"}. Advancing runs every renewal, retry
            and delivery that becomes due, in order.
          </p>
          <PostForm action={href("settings/test-clock/advance")} csrf={csrf} class="stack">
            <Field label="Advance by (ISO 8601 duration)" name="by" value="P1M" required hint="P1D, PT12H, P1M …" />
            <button type="submit">Advance</button>
          </PostForm>
        </>
      ) : (
        <p class="error">{problemText(res.body)}</p>
      ),
    };
  },
  actions: {
    advance: {
      permission: "test_clocks:write",
      async handle({ api, href }, form) {
        const res = await api<TestClock>("POST", "/v1/test-clocks/advance", { by: form.by });
        return {
          redirect: res.ok
            ? withMessage(
                href("settings/test-clock"),
                "notice",
                `Now ${res.body.now}; ${res.body.jobs_run ?? 0} jobs ran`,
              )
            : withMessage(href("settings/test-clock"), "error", problemText(res.body)),
        };
      },
    },
  },
};
