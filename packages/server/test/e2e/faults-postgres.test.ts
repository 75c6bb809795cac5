import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../postgres.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { type Answer, badAnswer, eventually, request, sleep, traffic } from "../support/traffic.js";
import { ROOT, type Served, serve, tessera, tesseraJson } from "./cli.js";

/*
 * Postgres going away under real processes: `tessera serve` and `tessera worker`, each through a
 * TCP proxy of its own that can stall (as a partition does), both started here against a
 * Postgres cluster of this file's own, which it terminates backends of, stops, restarts. The
 * processes must stay up, answer 503 UNAVAILABLE problem+json within bounded time while the
 * database is unreachable, and serve again when it returns, without a restart.
 */

const MASTER_KEY = "faults-master-key-faults-master-key-0123";
/** Short timeouts, so each outage shows within a second or three. */
const TIMEOUTS = {
  TESSERA_DB_CONNECT_TIMEOUT_MS: "1000",
  TESSERA_DB_STATEMENT_TIMEOUT_MS: "1000",
  TESSERA_READYZ_TIMEOUT_MS: "500",
  // A claim whose release was cut off with its connection is taken over when its lease runs out:
  // short here, so recovery is seen within the test's wait (the default is 30 s).
  TESSERA_WORKER_LEASE_MS: "2000",
};

let postgres: TestPostgres;
let proxy: TcpProxy;
let workerProxy: TcpProxy;
let server: Served;
let worker: { child: ChildProcess; output: () => string; exited: Promise<number | null> };
let receiver: { server: Server; url: string; bodies: string[] };
let api: (method: string, path: string, body?: unknown) => Promise<Answer>;
let admin: (query: string) => Promise<Array<Record<string, unknown>>>;

beforeAll(async () => {
  postgres = await startTestPostgres();
  const direct = new URL(postgres.url);
  const adminClient = new pg.Client({ connectionString: postgres.url });
  await adminClient.connect();
  await adminClient.query("create database faults");
  await adminClient.end();
  direct.pathname = "/faults";
  admin = async (query) => {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      return (await client.query(query)).rows;
    } finally {
      await client.end();
    }
  };
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port) });
  const proxied = new URL(direct);
  proxied.port = String(proxy.port);
  workerProxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port) });
  const workerProxied = new URL(direct);
  workerProxied.port = String(workerProxy.port);

  const env = { DATABASE_URL: direct.toString(), TESSERA_MASTER_KEY: MASTER_KEY };
  const migrated = tessera(["migrate"], env);
  expect(migrated.status, migrated.stderr).toBe(0);
  const tenant = tesseraJson(["tenant", "create", "acme"], env);
  const key = tenant.api_keys.find((k: { environment: string }) => k.environment === "development").secret;
  api = (method, path, body) =>
    request(`${server.url}${path}`, { method, key, tn: "acme", ...(body ? { body } : {}) }, 15_000);

  const bodies: string[] = [];
  const hooks = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += String(d);
    });
    req.on("end", () => {
      bodies.push(body);
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, "127.0.0.1", resolve));
  receiver = { server: hooks, url: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`, bodies };

  server = await serve(["--no-worker", "--no-demo", "--no-migrate"], {
    ...env,
    ...TIMEOUTS,
    DATABASE_URL: proxied.toString(),
    TESSERA_WEBHOOKS_ALLOW_PRIVATE: "true",
  });
  worker = startWorker({
    ...env,
    ...TIMEOUTS,
    DATABASE_URL: workerProxied.toString(),
    TESSERA_WEBHOOKS_ALLOW_PRIVATE: "true",
  });

  expect((await api("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web" })).status).toBe(201);
  expect((await api("POST", "/v1/webhook-endpoints", { url: receiver.url })).status).toBe(201);
  await expectWorkerDelivers("before-faults");
}, 90_000);

afterAll(async () => {
  await server?.stop("SIGKILL");
  if (worker && worker.child.exitCode === null) worker.child.kill("SIGKILL");
  await proxy?.close();
  await workerProxy?.close();
  receiver?.server.close();
  postgres?.stop();
}, 30_000);

function startWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, [join(ROOT, "packages/server/bin/tessera.mjs"), "worker", "--poll-ms", "50"], {
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => {
    output += String(d);
  });
  child.stderr!.on("data", (d) => {
    output += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** A customer made now reaches the webhook receiver: the worker process claims and delivers jobs. */
async function expectWorkerDelivers(externalId: string) {
  const made = await api("POST", "/v1/customers", { storefront: "web", external_id: externalId });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  await eventually(`the worker to deliver customer.created for ${externalId}`, () =>
    receiver.bodies.some((b) => b.includes(externalId)),
  );
}

function expectAlive() {
  expect(server.child.exitCode, `serve exited:\n${server.output.stdout.slice(-3000)}`).toBeNull();
  expect(worker.child.exitCode, `worker exited:\n${worker.output().slice(-3000)}`).toBeNull();
}

function expectOnlySuccessOr503(answers: Answer[]) {
  expect(answers.map((a) => badAnswer(a)).filter(Boolean)).toEqual([]);
}

const mixedTraffic = () =>
  traffic(4, (i) =>
    i % 4 === 0
      ? api("POST", "/v1/customers", { storefront: "web", external_id: `load-${i}` })
      : api("GET", "/v1/customers"),
  );

describe("tessera serve and worker on Postgres, under faults", () => {
  it("survive idle and busy backends terminated while traffic runs", async () => {
    const load = mixedTraffic();
    let idleKilled = 0;
    for (let round = 0; round < 5; round++) {
      await sleep(300);
      const killed = await admin(
        "select state, pg_terminate_backend(pid) from pg_stat_activity where datname = 'faults' and pid <> pg_backend_pid()",
      );
      idleKilled += killed.filter((r) => r.state === "idle").length;
    }
    expectAlive();
    // Busy for certain: hold a lock the API's queries wait on, then terminate the waiting backends.
    const locker = new pg.Client({ connectionString: postgres.url.replace(/\/postgres$/, "/faults") });
    await locker.connect();
    await locker.query("begin");
    await locker.query("lock table customers in access exclusive mode");
    let busyKilled = 0;
    await eventually("API queries to wait on the lock", async () => {
      const rows = await admin(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = 'faults' and state = 'active' and wait_event_type = 'Lock'",
      );
      busyKilled += rows.length;
      return busyKilled > 0;
    });
    await locker.query("commit");
    await locker.end();
    await sleep(300);
    const answers = await load.stop();

    expect(idleKilled).toBeGreaterThan(0);
    expect(busyKilled).toBeGreaterThan(0);
    expectOnlySuccessOr503(answers);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
    expectAlive();
    expect((await api("GET", "/v1/customers")).status).toBe(200);
    await expectWorkerDelivers("after-terminate");
  });

  it("answer 503 UNAVAILABLE while Postgres is stopped, and serve again when it is back, without a restart", async () => {
    postgres.halt();
    try {
      for (const path of ["/v1/customers", "/v1/customers", "/v1/entitlements"]) {
        const down = await api("GET", path);
        expect(badAnswer(down, [])).toBeUndefined();
      }
      const created = await api("POST", "/v1/customers", { storefront: "web", external_id: "while-down" });
      expect(badAnswer(created, [])).toBeUndefined();
      const ready = await request(`${server.url}/readyz`, {}, 5000);
      expect(ready.status).toBe(503);
      expect(ready.body.code).toBe("UNAVAILABLE");
      expect((await request(`${server.url}/healthz`)).status).toBe(200);
      // Let the worker's loop fail a few times over.
      await sleep(1000);
      expectAlive();
    } finally {
      postgres.restart();
    }
    expect((await api("GET", "/v1/customers")).status).toBe(200);
    expect((await request(`${server.url}/readyz`)).status).toBe(200);
    await expectWorkerDelivers("after-restart");
    expect(server.output.stdout).toMatch(/"msg":"database unavailable"/);
  });

  it("bound every wait during a partition (the proxy stalls): 503s, /readyz not ready, recovery when it heals", async () => {
    expect((await api("GET", "/v1/customers")).status).toBe(200);
    proxy.stall();
    workerProxy.stall();
    try {
      const ready = await request(`${server.url}/readyz`, {}, 5000);
      expect(ready.status).toBe(503);
      expect(ready.body.code).toBe("UNAVAILABLE");
      // Pooled connections that hear nothing back, and new ones that cannot get through: all bounded.
      const answers = await Promise.all([
        api("GET", "/v1/customers"),
        api("GET", "/v1/customers"),
        api("POST", "/v1/customers", { storefront: "web", external_id: "partitioned" }),
        api("GET", "/v1/entitlements"),
      ]);
      for (const a of answers) expect(badAnswer(a, [])).toBeUndefined();
      expect((await api("GET", "/v1/customers")).status).toBe(503);
      expect((await request(`${server.url}/healthz`)).status).toBe(200);
      // The worker's poll is stuck on its database too; give it time to time out and poll again.
      await sleep(4000);
      expectAlive();
    } finally {
      proxy.resume();
      workerProxy.resume();
    }
    expect((await api("GET", "/v1/customers")).status).toBe(200);
    expect((await request(`${server.url}/readyz`)).status).toBe(200);
    await expectWorkerDelivers("after-partition");
  });

  it("on SIGTERM during a partition, serve answers the request in flight and exits 0; so does the worker", async () => {
    proxy.stall();
    const inFlight = api("GET", "/v1/customers");
    // The request is in the server, waiting on the database, when the signal comes.
    await sleep(300);
    const stopped = server.stop("SIGTERM");
    const answer = await inFlight;
    expect(badAnswer(answer, [200])).toBeUndefined();
    // Still partitioned: closing the pool cannot say goodbye to Postgres, and must not wait for it.
    expect(await stopped).toEqual({ code: 0, signal: null });
    proxy.resume();
    worker.child.kill("SIGTERM");
    expect(await worker.exited, worker.output().slice(-3000)).toBe(0);
  });
});
