import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Json } from "../harness.js";
import { http, type Served, serve, tesseraJson } from "./cli.js";

/*
 * The world the example apps' end-to-end tests run in: the real `tessera serve` on a temp SQLite
 * file, a tenant made with the CLI, a catalog made over HTTP, a customer entitled to `export-pdf`
 * by a manual grant, one by a subscription (sandbox payment) and one who is not. Everything over real HTTP, as a merchant would.
 */

export interface EntitledWorld {
  server: Served;
  /** The server's environment (database, master key): for CLI commands on the same database. */
  env: Record<string, string>;
  url: string;
  tenant: string;
  storefront: string;
  jwksUrl: string;
  /** `entitled` has export-pdf through a grant, `subscriber` through a subscription, `plain` has nothing. */
  customers: { entitled: string; subscriber: string; plain: string };
  grantId: string;
  api: ReturnType<typeof http>;
  token(customer: string, env?: string): Promise<string>;
  close(): Promise<void>;
}

async function ok<T = Json>(res: Promise<{ status: number; body: T }>, expected = 201): Promise<T> {
  const r = await res;
  if (r.status !== expected) throw new Error(`expected ${expected}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function startEntitledWorld(): Promise<EntitledWorld> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-example-"));
  const env = {
    DATABASE_URL: `sqlite:${join(dir, "tessera.db")}`,
    TESSERA_MASTER_KEY: "example-master-key-example-master-key-0123",
    TESSERA_WORKER: "false",
  };
  const server = await serve(["--no-demo"], env);
  try {
    const created = tesseraJson<{ api_keys: Array<{ environment: string; secret: string }> }>(
      ["tenant", "create", "shop"],
      env,
    );
    const keyOf = (e: string) => created.api_keys.find((k) => k.environment === e)!.secret;
    const apiOf = (e: string) => http(server.url, keyOf(e), "shop");
    const api = apiOf("production");
    await ok(api("POST", "/v1/entitlements", { key: "export-pdf", name: "Export PDF", kind: "flag" }));
    const bundle = await ok(
      api("POST", "/v1/bundles", {
        key: "pro",
        name: "Pro",
        entitlements: [{ key: "export-pdf" }],
        prices: [{ currency: "EUR", amount: 990, interval: "month" }],
      }),
    );
    const storefront = await ok(
      api("POST", "/v1/storefronts", {
        key: "web",
        name: "Web",
        type: "web",
        bundles: [bundle.id],
        payment_providers: [{ name: "sandbox" }],
      }),
    );
    const entitled = await ok(api("POST", "/v1/customers", { storefront: storefront.id, external_id: "alice" }));
    const plain = await ok(api("POST", "/v1/customers", { storefront: storefront.id, external_id: "bob" }));
    const subscriber = await ok(api("POST", "/v1/customers", { storefront: storefront.id, external_id: "carol" }));
    // The sandbox provider accepts this test token, so the subscription starts active and grants.
    await ok(
      api("POST", "/v1/subscriptions", {
        customer: subscriber.id,
        price: bundle.prices[0].id,
        payment_method: "pm_sandbox_ok",
      }),
    );
    const grant = await ok(
      api("POST", `/v1/customers/${entitled.id}/grants`, { entitlement: "export-pdf", reason: "example comp" }),
    );
    return {
      server,
      env,
      url: server.url,
      tenant: "shop",
      storefront: storefront.id,
      jwksUrl: `${server.url}/v1/jwks/shop/production`,
      customers: { entitled: entitled.id, subscriber: subscriber.id, plain: plain.id },
      grantId: grant.id,
      api,
      async token(customer, e = "production") {
        const body = await ok(apiOf(e)("POST", `/v1/customers/${customer}/entitlements/token`), 200);
        return body.token as string;
      },
      async close() {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.stop("SIGKILL");
    throw error;
  }
}

export interface ExampleProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts an example app as its own process and resolves with its URL once it prints
 * `{"listening": "<url>"}` (Express) or matches `ready` (anything else passed as `ready`).
 */
export function startProcess(
  command: string,
  args: string[],
  options: {
    cwd: string;
    env: Record<string, string>;
    ready: (output: string) => string | undefined;
    timeoutMs?: number;
  },
): Promise<ExampleProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} not ready in time:\n${output}`));
    }, options.timeoutMs ?? 60_000);
    const onData = (d: Buffer) => {
      output += String(d);
      const url = options.ready(output);
      if (url) {
        clearTimeout(timer);
        resolve({
          url,
          child,
          output: () => output,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
            await exited;
            clearTimeout(killer);
          },
        });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(" ")} exited before it was ready:\n${output}`));
    });
  });
}
