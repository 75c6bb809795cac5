import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "../harness.js";
import { http, ROOT, type Served, serve, tesseraJson } from "./cli.js";

const run = promisify(execFile);
const BIN = join(ROOT, "packages/server/bin/tessera.mjs");

/*
 * Store channels end to end, over real HTTP and real processes: `tessera serve` (with its worker)
 * on a SQLite file, a tenant made with the CLI, a catalog and an App Store / Play product map set
 * over HTTP, then `tessera simulate` sends the stores' notifications (App Store signed by the
 * simulator's local CA and POSTed to the server; Play through a local Google, in-process), and
 * the customer's entitlement token, verified against the server's JWKS, follows.
 */

async function ok<T = Json>(res: Promise<{ status: number; body: T }>, expected = 201): Promise<T> {
  const r = await res;
  if (r.status !== expected) throw new Error(`expected ${expected}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

describe("store channels end to end: notification → subscription → entitlement token", () => {
  const dir = mkdtempSync(join(tmpdir(), "tessera-channels-e2e-"));
  const env = {
    DATABASE_URL: `sqlite:${join(dir, "tessera.db")}`,
    TESSERA_MASTER_KEY: "channels-e2e-master-key-channels-e2e-0123",
    TESSERA_WORKER_POLL_MS: "50",
  };
  let server: Served;
  let api: ReturnType<typeof http>;
  let storefront: string;
  const customers: Record<string, { id: string; external_id: string }> = {};

  /** The worker applies notifications after they are received: wait for the outcome, not for a time. */
  async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`never settled; last: ${JSON.stringify(await read())}`);
  }
  const subscriptionOf = async (customer: string) =>
    (await api("GET", `/v1/subscriptions?customer=${customer}`)).body.data[0] as Record<string, Json> | undefined;
  async function entitlements(customer: string): Promise<string[]> {
    const { token } = await ok(api("POST", `/v1/customers/${customer}/entitlements/token`), 200);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/v1/jwks/shop/development`));
    const { payload } = await jwtVerify(token, jwks);
    return Object.keys(payload.ent as object);
  }
  /** Async, not spawnSync: a blocked event loop would let the server close pooled keep-alive sockets under fetch. */
  async function simulate(channel: string, event: string, args: string[]) {
    const { stdout } = await run(
      process.execPath,
      [BIN, "simulate", channel, event, "--tenant", "shop", "--storefront", storefront, ...args, "--json"],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: "warn", ...env }, timeout: 60_000 },
    );
    return JSON.parse(stdout);
  }

  beforeAll(async () => {
    server = await serve(["--no-demo"], env);
    const created = tesseraJson<{ api_keys: Array<{ environment: string; secret: string }> }>(
      ["tenant", "create", "shop"],
      env,
    );
    api = http(server.url, created.api_keys.find((k) => k.environment === "development")!.secret, "shop");
    await ok(api("POST", "/v1/entitlements", { key: "export-pdf", name: "Export PDF", kind: "flag" }));
    const bundle = await ok(
      api("POST", "/v1/bundles", {
        key: "pro",
        name: "Pro",
        entitlements: [{ key: "export-pdf" }],
        prices: [{ currency: "EUR", amount: 990, interval: "month" }],
      }),
    );
    storefront = (
      await ok(api("POST", "/v1/storefronts", { key: "app", name: "App", type: "app", bundles: [bundle.id] }))
    ).id;
    for (const [channel, product] of [
      ["app_store", "com.example.pro.monthly"],
      ["play_store", "pro:monthly"],
    ]) {
      await ok(
        api("PUT", `/v1/storefronts/${storefront}/channels/${channel}/products/${product}`, {
          price: bundle.prices[0].id,
        }),
        200,
      );
    }
    for (const name of ["ios", "android"]) {
      const external_id = `${name}-0f5c2a8e-4d1b-4c3e-9a7f-${name === "ios" ? "1" : "2"}b6d8e0c4a21`;
      customers[name] = { id: (await ok(api("POST", "/v1/customers", { storefront, external_id }))).id, external_id };
    }
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("App Store: a signed notification POSTed to the server grants, a refund takes it away", async () => {
    const ios = customers.ios!;
    const args = [
      "--subscription",
      "2000000000000901",
      "--product",
      "com.example.pro.monthly",
      "--customer",
      ios.external_id,
    ];
    const sent = await simulate("app-store", "subscribe", [...args, "--server", server.url]);
    expect(sent).toMatchObject({ channel: "app_store", delivered: "http", http_status: 200 });
    const sub = await eventually(
      () => subscriptionOf(ios.id),
      (s) => s?.status === "active",
    );
    expect(sub).toMatchObject({ channel: "app_store", payment_method: null });
    expect((await api("GET", `/v1/subscriptions/${sub!.id}`)).body.vendor).toMatchObject({
      vendor_subscription_id: "2000000000000901",
    });
    expect(await entitlements(ios.id)).toEqual(["export-pdf"]);

    await simulate("app-store", "refund", [...args, "--server", server.url]);
    await eventually(
      () => subscriptionOf(ios.id),
      (s) => s?.status === "cancelled",
    );
    expect(await entitlements(ios.id)).toEqual([]);
    const inbox = (await api("GET", `/v1/subscriptions/${sub!.id}/notifications`)).body.data;
    expect(inbox.map((n: { vendor_type: string; status: string }) => [n.vendor_type, n.status])).toEqual([
      ["SUBSCRIBED", "applied"],
      ["REFUND", "applied"],
    ]);
  });

  it("Play: a push completed by the (local) Developer API grants, and a hold suspends", async () => {
    const android = customers.android!;
    const args = ["--subscription", "play-token-e2e-1", "--product", "pro:monthly", "--customer", android.external_id];
    expect(await simulate("play-store", "subscribe", args)).toMatchObject({ subscription: { status: "active" } });
    expect(await entitlements(android.id)).toEqual(["export-pdf"]);
    expect(await simulate("play-store", "hold", args)).toMatchObject({ subscription: { status: "suspended" } });
    expect(await entitlements(android.id)).toEqual([]);
  });
});
