import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/lib/clock.js";
import { activeSubscription, subscriptionEvent } from "../../src/modules/channels/paypal/events.js";
import { type FakePayPal, startFakePayPal } from "../../src/modules/channels/paypal/fake-paypal.js";
import {
  type FakeAggregator,
  startFakeAggregator,
  subscriptionCallback,
} from "../../src/modules/channels/telecom/fake-aggregator.js";
import { PAYPAL_TEST_PKI } from "../../src/modules/payments/providers/paypal/test-pki.js";
import type { Json } from "../harness.js";
import { http, ROOT, type Served, serve, tesseraJson } from "./cli.js";

/*
 * The real `tessera serve` (with its worker) on a temp SQLite file, a local PayPal and a local
 * carrier-billing aggregator: a merchant configures both channels over HTTP, the vendors post
 * signed pushes to the public routes, and the customer's entitlement token follows. The vendors'
 * clocks are the wall clock, like the server's.
 */

describe("vendor channels end to end, over real HTTP", () => {
  let dir: string;
  let server: Served;
  let paypal: FakePayPal;
  let aggregator: FakeAggregator;
  let api: ReturnType<typeof http>;
  let storefront: string;
  let price: string;
  let env: Record<string, string>;

  async function ok<T = Json>(res: Promise<{ status: number; body: T }>, expected = 201): Promise<T> {
    const r = await res;
    if (r.status !== expected) throw new Error(`expected ${expected}, got ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tessera-channels-"));
    env = {
      DATABASE_URL: `sqlite:${join(dir, "tessera.db")}`,
      TESSERA_MASTER_KEY: "channels-e2e-master-key-channels-e2e-0123",
      TESSERA_WORKER_POLL_MS: "50",
    };
    paypal = await startFakePayPal({ clock: systemClock });
    aggregator = await startFakeAggregator({ clock: systemClock });
    server = await serve(["--no-demo"], env);
    const created = tesseraJson<{ api_keys: Array<{ environment: string; secret: string }> }>(
      ["tenant", "create", "shop"],
      env,
    );
    // Development: the PayPal settings may trust the test root (refused in production).
    api = http(server.url, created.api_keys.find((k) => k.environment === "development")!.secret, "shop");
    await ok(api("POST", "/v1/entitlements", { key: "premium", name: "Premium", kind: "flag" }));
    const bundle = await ok(
      api("POST", "/v1/bundles", {
        key: "premium",
        name: "Premium",
        entitlements: [{ key: "premium" }],
        prices: [{ currency: "EUR", amount: 499, interval: "month" }],
      }),
    );
    price = bundle.prices[0].id;
    storefront = (
      await ok(api("POST", "/v1/storefronts", { key: "mobile", name: "Mobile", type: "carrier", bundles: [bundle.id] }))
    ).id;
    await ok(
      api("PUT", `/v1/storefronts/${storefront}/channels/paypal`, {
        config: {
          api_base_url: paypal.url,
          test_trusted_root: PAYPAL_TEST_PKI.root,
          test_certificate_origin: paypal.url,
        },
        credentials: { client_id: paypal.clientId, client_secret: paypal.clientSecret, webhook_id: paypal.webhookId },
      }),
      200,
    );
    await ok(api("PUT", `/v1/storefronts/${storefront}/channels/paypal/products/P-E2E0000000000001`, { price }), 200);
    await ok(
      api("PUT", `/v1/storefronts/${storefront}/channels/telecom`, {
        config: { aggregator: "fortumo", api_base_url: aggregator.url, merchant_id: aggregator.merchantId },
        credentials: {
          private_key: aggregator.merchantPrivateKey,
          aggregator_public_key: aggregator.aggregatorPublicKey,
        },
      }),
      200,
    );
    await ok(api("PUT", `/v1/storefronts/${storefront}/channels/telecom/products/premium-monthly`, { price }), 200);
  });

  afterAll(async () => {
    await server?.stop();
    await paypal?.close();
    await aggregator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The CLI without blocking this process (the server's keep-alive sockets stay serviced). */
  const tessera = (args: string[], e: Record<string, string>) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, "packages/server/bin/tessera.mjs"), ...args],
        { cwd: ROOT, env: { ...process.env, LOG_LEVEL: "warn", ...e }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  const push = (path: string, request: { headers: Record<string, string>; body: string }) =>
    fetch(`${server.url}${path}`, { method: "POST", headers: request.headers, body: request.body });

  /** The worker applies pushes in the background: ask until the token says so (bounded). */
  async function tokenClaims(customer: string, want: (claims: Record<string, unknown>) => boolean) {
    let claims: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) {
      const { token } = await ok(api("POST", `/v1/customers/${customer}/entitlements/token`), 200);
      claims = decodeJwt(token) as Record<string, unknown>;
      if (want(claims)) return claims;
      await new Promise((r) => setTimeout(r, 100));
    }
    return claims;
  }
  const hasPremium = (c: Record<string, unknown>) => JSON.stringify(c).includes('"premium"');

  it("PayPal: start from the API, PayPal's signed ACTIVATED webhook → the entitlement token grants premium", async () => {
    const customer = (await ok(api("POST", "/v1/customers", { storefront, external_id: "paula" }))).id;
    const started = await ok(
      api("POST", `/v1/storefronts/${storefront}/channels/paypal/subscriptions`, {
        customer,
        plan_id: "P-E2E0000000000001",
        return_url: "https://merchant.example/return",
        cancel_url: "https://merchant.example/cancel",
      }),
    );
    expect(started.approval_url).toContain("ba_token=");
    paypal.approve(started.vendor_subscription_id);
    const now = new Date();
    const sub = activeSubscription({
      id: started.vendor_subscription_id,
      planId: "P-E2E0000000000001",
      customId: customer,
      start: now,
      nextBilling: new Date(now.getTime() + 31 * 86_400_000),
    });
    const res = await push(
      `/v1/channels/paypal/${storefront}/webhooks`,
      paypal.signed(subscriptionEvent("BILLING.SUBSCRIPTION.ACTIVATED", sub, { id: "WH-E2E-1", at: now })),
    );
    expect(res.status).toBe(200);
    expect(hasPremium(await tokenClaims(customer, hasPremium))).toBe(true);
    const forged = await push(
      `/v1/channels/paypal/${storefront}/webhooks`,
      paypal.signedByForger(
        subscriptionEvent(
          "BILLING.SUBSCRIPTION.CANCELLED",
          { ...sub, status: "CANCELLED" },
          { id: "WH-E2E-2", at: new Date() },
        ),
        new Date(),
      ),
    );
    expect(forged.status).toBe(401);
  });

  it("telecom: PIN authorisation, the aggregator's signed callback → the token grants; SMS STOP → it no longer does", async () => {
    const customer = (await ok(api("POST", "/v1/customers", { storefront, external_id: "tom" }))).id;
    const auth = await ok(
      api("POST", `/v1/storefronts/${storefront}/channels/telecom/authorisations`, {
        customer,
        product: "premium-monthly",
        flow: "pin",
        msisdn: "+37255500011",
        country: "EE",
        channel_code: "sandbox-ee",
      }),
    );
    const pin = aggregator.authorisations.get(auth.charging_token)!.pin;
    const confirmed = await ok(
      api(
        "POST",
        `/v1/storefronts/${storefront}/channels/telecom/authorisations/${encodeURIComponent(auth.charging_token)}/pin`,
        { pin },
      ),
      200,
    );
    expect(confirmed.state).toBe("verified");
    const callback = (status: string, billing: string, at: Date) =>
      aggregator.signedCallback(
        subscriptionCallback({
          reference: auth.operation_reference,
          status,
          billing,
          at,
          merchantId: aggregator.merchantId,
        }),
      );
    const t0 = new Date();
    expect(
      (await push(`/v1/channels/telecom/${storefront}/callbacks`, await callback("active", "charged", t0))).status,
    ).toBe(200);
    expect(hasPremium(await tokenClaims(customer, hasPremium))).toBe(true);
    const stop = await callback("cancelled", "charged", new Date(t0.getTime() + 1000));
    expect((await push(`/v1/channels/telecom/${storefront}/callbacks`, stop)).status).toBe(200);
    expect(hasPremium(await tokenClaims(customer, (c) => !hasPremium(c)))).toBe(false);
  });

  it("tessera simulate telecom|paypal drive a development storefront that trusts the simulators' keys", async () => {
    const sf = (
      await ok(api("POST", "/v1/storefronts", { key: "sim", name: "Simulated", type: "carrier", bundles: [] }))
    ).id;
    const bundles = (await ok(api("GET", "/v1/bundles"), 200)).data.map((b: { id: string }) => b.id);
    await ok(api("PATCH", `/v1/storefronts/${sf}`, { bundles }), 200);
    const customer = (await ok(api("POST", "/v1/customers", { storefront: sf, external_id: "sim" }))).id;

    const keyFile = join(dir, "aggregator.key");
    const setup = await tessera(["simulate", "telecom", "setup", "--key-file", keyFile], env);
    expect(setup.status, setup.stderr).toBe(0);
    await ok(
      api("PUT", `/v1/storefronts/${sf}/channels/telecom`, {
        config: { aggregator: "fortumo", api_base_url: aggregator.url, merchant_id: "sim-merchant" },
        credentials: { private_key: aggregator.merchantPrivateKey, ...JSON.parse(setup.stdout).credentials },
      }),
      200,
    );
    await ok(api("PUT", `/v1/storefronts/${sf}/channels/telecom/products/premium-monthly`, { price }), 200);
    const common = ["--url", server.url, "--storefront", sf, "--merchant", "sim-merchant", "--key-file", keyFile];
    const sent = await tessera(
      ["simulate", "telecom", "active/charged", ...common, "--product", "premium-monthly", "--customer", customer],
      env,
    );
    expect(sent.status, sent.stdout + sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 200 });
    expect(hasPremium(await tokenClaims(customer, hasPremium))).toBe(true);

    // PayPal: the simulator serves the test certificate while it posts, at the storefront's test origin.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const origin = `http://127.0.0.1:${port}`;
    const ppSetup = await tessera(["simulate", "paypal", "setup", "--cert-origin", origin], env);
    expect(ppSetup.status, ppSetup.stderr).toBe(0);
    await ok(
      api("PUT", `/v1/storefronts/${sf}/channels/paypal`, {
        config: { api_base_url: paypal.url, ...JSON.parse(ppSetup.stdout).config },
        credentials: { client_id: "sim", client_secret: "sim", webhook_id: "SIMWEBHOOK1" },
      }),
      200,
    );
    await ok(api("PUT", `/v1/storefronts/${sf}/channels/paypal/products/P-SIM000000000001`, { price }), 200);
    const buyer = (await ok(api("POST", "/v1/customers", { storefront: sf, external_id: "sim-paypal" }))).id;
    const pp = await tessera(
      [
        "simulate",
        "paypal",
        "ACTIVATED",
        "--url",
        server.url,
        "--storefront",
        sf,
        "--webhook-id",
        "SIMWEBHOOK1",
        "--subscription",
        "I-SIMULATED00001",
        "--plan",
        "P-SIM000000000001",
        "--customer",
        buyer,
        "--cert-origin",
        origin,
      ],
      env,
    );
    expect(pp.status, pp.stdout + pp.stderr).toBe(0);
    expect(hasPremium(await tokenClaims(buyer, hasPremium))).toBe(true);
  });
});
