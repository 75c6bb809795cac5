/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import {
  type ApiKey,
  type Event,
  SCOPES,
  type SigningKey,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
} from "@tessera/core";
import { backTo, Field, PostForm, Pre, problemText, Section, Select, Status, Table, Time, withMessage } from "../ui.js";
import type { ConsolePage, PageResult } from "./registry.js";

/*
 * Developers: API keys (secret shown once), webhook endpoints with their delivery log, payload
 * viewer, replay and secret rotation, the events explorer, signing keys and the JWKS.
 * A secret is shown in the answer to the POST that made it, never put in a URL.
 */

const shownOnce = (title: string, what: string, secret: string, back: string): PageResult => ({
  title,
  body: (
    <Section title={`${what}: copy it now`} id="secret">
      <p>This is the only time it is shown. Only its hash is kept.</p>
      <p class="secret">{secret}</p>
      <p>
        <a href={back}>Done</a>
      </p>
    </Section>
  ),
});

export const apiKeysPage: ConsolePage = {
  path: "developers/api-keys",
  nav: "API keys",
  permission: "keys:manage",
  async render({ api, csrf, href, environment }) {
    const res = await api<{ data: ApiKey[] }>("GET", "/v1/api-keys?limit=100");
    return {
      title: "API keys",
      body: (
        <>
          <Section title={`Keys of ${environment}`} id="keys">
            {res.ok ? (
              <Table
                caption="Secret keys of this environment"
                head={["Name", "Prefix", "Scopes", "Last used", "Status", ""]}
                rows={res.body.data.map((k) => [
                  k.name ?? "—",
                  <code>{k.prefix}</code>,
                  k.scopes.join(", "),
                  <Time at={k.last_used_at} />,
                  <Status value={k.revoked_at ? "revoked" : "active"} />,
                  k.revoked_at ? (
                    ""
                  ) : (
                    <PostForm action={href("developers/api-keys/revoke")} csrf={csrf}>
                      <input type="hidden" name="id" value={k.id} />
                      <button type="submit" class="danger">
                        Revoke
                      </button>
                    </PostForm>
                  ),
                ])}
              />
            ) : (
              <p class="error">{problemText(res.body)}</p>
            )}
          </Section>
          <Section title="New key" id="new-key">
            <PostForm action={href("developers/api-keys/create")} csrf={csrf} class="stack">
              <Field label="Name" name="name" required />
              <fieldset>
                <legend>Scopes</legend>
                {SCOPES.map((s) => (
                  <label class="check">
                    <input type="checkbox" name={`scope:${s}`} value="on" /> {s}{" "}
                  </label>
                ))}
              </fieldset>
              <button type="submit">Create key</button>
            </PostForm>
          </Section>
        </>
      ),
    };
  },
  actions: {
    create: {
      permission: "keys:manage",
      async handle({ api, href }, form) {
        const scopes = Object.keys(form)
          .filter((k) => k.startsWith("scope:"))
          .map((k) => k.slice("scope:".length));
        const res = await api<ApiKey & { secret: string }>("POST", "/v1/api-keys", { name: form.name, scopes });
        if (!res.ok) return { redirect: withMessage(href("developers/api-keys"), "error", problemText(res.body)) };
        return shownOnce("API keys", "The new API key", res.body.secret, href("developers/api-keys"));
      },
    },
    revoke: {
      permission: "keys:manage",
      async handle({ api, href }, form) {
        const res = await api("DELETE", `/v1/api-keys/${encodeURIComponent(form.id ?? "")}`);
        return backTo(href("developers/api-keys"), res, "Key revoked");
      },
    },
  },
};

export const webhooksPage: ConsolePage = {
  path: "developers/webhooks",
  nav: "Webhooks",
  permission: "webhooks:read",
  async render({ api, csrf, href, can }) {
    const res = await api<{ data: WebhookEndpoint[] }>("GET", "/v1/webhook-endpoints?limit=100");
    return {
      title: "Webhooks",
      body: (
        <>
          <Section title="Endpoints" id="endpoints">
            {res.ok ? (
              <Table
                caption="Where events are delivered"
                head={["URL", "Events", "Status"]}
                rows={res.body.data.map((e) => [
                  <a href={href(`developers/webhooks/${e.id}`)}>{e.url}</a>,
                  e.enabled_events.join(", "),
                  <Status value={e.status} />,
                ])}
                empty="No endpoints yet."
              />
            ) : (
              <p class="error">{problemText(res.body)}</p>
            )}
          </Section>
          {can("webhooks:write") ? (
            <Section title="New endpoint" id="new-endpoint">
              <PostForm action={href("developers/webhooks/create")} csrf={csrf} class="stack">
                <Field label="URL" name="url" type="url" required />
                <Field label="Events" name="events" value="*" hint="Comma-separated event types, or * for all." />
                <button type="submit">Add endpoint</button>
              </PostForm>
            </Section>
          ) : null}
        </>
      ),
    };
  },
  actions: {
    create: {
      permission: "webhooks:write",
      async handle({ api, href }, form) {
        const res = await api<WebhookEndpointWithSecret>("POST", "/v1/webhook-endpoints", {
          url: form.url,
          enabled_events: (form.events || "*")
            .split(",")
            .map((e) => e.trim())
            .filter(Boolean),
        });
        if (!res.ok) return { redirect: withMessage(href("developers/webhooks"), "error", problemText(res.body)) };
        return shownOnce(
          "Webhooks",
          "The endpoint's signing secret",
          res.body.secret,
          href(`developers/webhooks/${res.body.id}`),
        );
      },
    },
  },
};

export const webhookEndpointPage: ConsolePage = {
  path: "developers/webhooks/:id",
  permission: "webhooks:read",
  async render({ api, params, href, can, csrf, query }) {
    const id = encodeURIComponent(params.id!);
    const status = ["pending", "succeeded", "failed"].includes(query.status ?? "") ? query.status! : "";
    const [endpoint, deliveries] = await Promise.all([
      api<WebhookEndpoint>("GET", `/v1/webhook-endpoints/${id}`),
      api<{ data: WebhookDelivery[] }>(
        "GET",
        `/v1/webhook-endpoints/${id}/deliveries?limit=100${status ? `&status=${status}` : ""}`,
      ),
    ]);
    if (!endpoint.ok) return { title: "Webhook endpoint", body: <p class="error">{problemText(endpoint.body)}</p> };
    return {
      title: `Endpoint ${endpoint.body.url}`,
      body: (
        <>
          <Section title="Endpoint" id="endpoint">
            <dl class="props">
              <dt>Status</dt>
              <dd>
                <Status value={endpoint.body.status} />
              </dd>
              <dt>Events</dt>
              <dd>{endpoint.body.enabled_events.join(", ")}</dd>
            </dl>
            {can("webhooks:write") ? (
              <PostForm action={href(`developers/webhooks/${params.id}/rotate`)} csrf={csrf}>
                <button type="submit" class="secondary">
                  Rotate the signing secret (old one signs 24 h more)
                </button>
              </PostForm>
            ) : null}
          </Section>
          <Section title="Delivery log" id="deliveries">
            <form method="get" action={href(`developers/webhooks/${params.id}`)} class="actions">
              <Select
                label="Status"
                name="status"
                value={status}
                options={[
                  ["", "any"],
                  ["pending", "pending"],
                  ["succeeded", "succeeded"],
                  ["failed", "failed"],
                ]}
              />
              <button type="submit">Filter</button>
            </form>
            <Table
              caption="Newest deliveries"
              head={["Event", "Status", "Attempts", "Created", ""]}
              rows={(deliveries.ok ? deliveries.body.data : []).map((d) => [
                d.event_type,
                <Status value={d.status} />,
                String(d.attempt_count),
                <Time at={d.created_at} />,
                <a href={href(`developers/webhooks/${params.id}/deliveries/${d.id}`)}>Payload and attempts</a>,
              ])}
              empty="No deliveries yet."
            />
          </Section>
        </>
      ),
    };
  },
  actions: {
    rotate: {
      permission: "webhooks:write",
      async handle({ api, params, href }) {
        const res = await api<WebhookEndpointWithSecret>(
          "POST",
          `/v1/webhook-endpoints/${encodeURIComponent(params.id!)}/rotate-secret`,
          {},
        );
        const back = href(`developers/webhooks/${params.id}`);
        if (!res.ok) return { redirect: withMessage(back, "error", problemText(res.body)) };
        return shownOnce("Webhooks", "The endpoint's new signing secret", res.body.secret, back);
      },
    },
  },
};

export const webhookDeliveryPage: ConsolePage = {
  path: "developers/webhooks/:id/deliveries/:delivery",
  permission: "webhooks:read",
  async render({ api, params, href, can, csrf }) {
    const path = `/v1/webhook-endpoints/${encodeURIComponent(params.id!)}/deliveries/${encodeURIComponent(params.delivery!)}`;
    const res = await api<WebhookDelivery>("GET", path);
    if (!res.ok) return { title: "Delivery", body: <p class="error">{problemText(res.body)}</p> };
    const d = res.body;
    const event = can("events:read") ? await api<Event>("GET", `/v1/events/${d.event_id}`) : undefined;
    return {
      title: `Delivery of ${d.event_type}`,
      body: (
        <>
          <Section title="Delivery" id="delivery">
            <dl class="props">
              <dt>Status</dt>
              <dd>
                <Status value={d.status} />
              </dd>
              <dt>Event</dt>
              <dd>{d.event_id}</dd>
              <dt>Next attempt</dt>
              <dd>
                <Time at={d.next_attempt_at} />
              </dd>
            </dl>
            {can("webhooks:write") ? (
              <PostForm
                action={href(`developers/webhooks/${params.id}/deliveries/${params.delivery}/replay`)}
                csrf={csrf}
              >
                <button type="submit">Replay</button>
              </PostForm>
            ) : null}
          </Section>
          <Section title="Attempts" id="attempts">
            <Table
              caption="Oldest first"
              head={["#", "Trigger", "Started", "HTTP", "Error", "Response"]}
              rows={d.attempts.map((a) => [
                String(a.number),
                a.trigger,
                <Time at={a.started_at} />,
                a.status_code === null ? "—" : String(a.status_code),
                a.error ?? "—",
                a.response_excerpt ?? "",
              ])}
              empty="No attempt yet."
            />
          </Section>
          {event?.ok ? (
            <Section title="Payload" id="payload">
              <Pre value={event.body} />
            </Section>
          ) : null}
        </>
      ),
    };
  },
  actions: {
    replay: {
      permission: "webhooks:write",
      async handle({ api, params, href }) {
        const back = href(`developers/webhooks/${params.id}/deliveries/${params.delivery}`);
        const res = await api(
          "POST",
          `/v1/webhook-endpoints/${encodeURIComponent(params.id!)}/deliveries/${encodeURIComponent(params.delivery!)}/retry`,
        );
        return backTo(back, res, "Replayed");
      },
    },
  },
};

export const eventsPage: ConsolePage = {
  path: "developers/events",
  nav: "Events",
  permission: "events:read",
  async render({ api, query, href }) {
    const filter = new URLSearchParams({ limit: "50" });
    if (query.type) filter.set("type", query.type);
    if (query.object_id) filter.set("object_id", query.object_id);
    const res = await api<{ data: Event[] }>("GET", `/v1/events?${filter}`);
    return {
      title: "Events",
      body: (
        <>
          <form method="get" action={href("developers/events")} class="actions">
            <Field label="Type (or prefix.*)" name="type" value={query.type ?? ""} />
            <Field label="Object id" name="object_id" value={query.object_id ?? ""} />
            <button type="submit">Filter</button>
          </form>
          {res.ok ? (
            <Table
              caption="Newest events"
              head={["Event", "Type", "Object", "Actor", "Created"]}
              rows={res.body.data.map((e) => [
                <a href={href(`developers/events/${e.id}`)}>{e.id}</a>,
                e.type,
                String((e.data.object as { id?: string }).id ?? "—"),
                e.actor ? `${e.actor.type}:${e.actor.id}` : "—",
                <Time at={e.created_at} />,
              ])}
              empty="No events match."
            />
          ) : (
            <p class="error">{problemText(res.body)}</p>
          )}
        </>
      ),
    };
  },
};

export const eventPage: ConsolePage = {
  path: "developers/events/:id",
  permission: "events:read",
  async render({ api, params, href, can }) {
    const res = await api<Event>("GET", `/v1/events/${encodeURIComponent(params.id!)}`);
    if (!res.ok) return { title: "Event", body: <p class="error">{problemText(res.body)}</p> };
    return {
      title: `Event ${res.body.type}`,
      body: (
        <>
          {res.body.correlation_id && can("audit:read") ? (
            <p>
              <a href={href(`audit/lineage/${encodeURIComponent(res.body.correlation_id)}`)}>
                Lineage of its correlation
              </a>
            </p>
          ) : null}
          <Pre value={res.body} />
        </>
      ),
    };
  },
};

export const signingKeysPage: ConsolePage = {
  path: "developers/signing-keys",
  nav: "Signing keys",
  permission: "entitlements:read",
  async render({ api, can, csrf, href, tenant, environment }) {
    const res = await api<{ data: SigningKey[] }>("GET", "/v1/signing-keys");
    const jwks = `/v1/jwks/${tenant.slug}/${environment}`;
    return {
      title: "Signing keys",
      body: (
        <>
          <p>
            Entitlement tokens are verified offline against the public keys at <a href={jwks}>{jwks}</a>.
          </p>
          {res.ok ? (
            <Table
              caption="Keys, newest first"
              head={["Key id", "Algorithm", "Status", "Created", "Retires"]}
              rows={res.body.data.map((k) => [
                <code>{k.id}</code>,
                k.alg,
                <Status value={k.status} />,
                <Time at={k.created_at} />,
                <Time at={k.retires_at} />,
              ])}
            />
          ) : (
            <p class="error">{problemText(res.body)}</p>
          )}
          {can("entitlements:write") ? (
            <PostForm action={href("developers/signing-keys/rotate")} csrf={csrf}>
              <button type="submit" class="secondary">
                Rotate
              </button>
            </PostForm>
          ) : null}
        </>
      ),
    };
  },
  actions: {
    rotate: {
      permission: "entitlements:write",
      async handle({ api, href }) {
        const res = await api("POST", "/v1/signing-keys/rotate", {});
        return backTo(href("developers/signing-keys"), res, "Rotated");
      },
    },
  },
};
