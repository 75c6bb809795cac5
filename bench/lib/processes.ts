import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

/** Child processes and load generation shared by the benchmarks. */

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const TESSERA = join(ROOT, "packages/server/bin/tessera.mjs");

export function tesseraCli(args: string[], env: Record<string, string>): string {
  const res = spawnSync(process.execPath, [TESSERA, ...args], {
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    encoding: "utf8",
  });
  if (res.status !== 0) throw new Error(`tessera ${args.join(" ")} exited ${res.status}: ${res.stderr}`);
  return res.stdout;
}

export interface Child {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Spawns a server and waits until `findUrl` recognises its address on stderr. Its stdout (request
 * logs) goes straight to `logFile`, as a log shipper would take it: piping it here would make the
 * load generator's own process pay for reading the server's logs.
 */
export function startChild(
  args: string[],
  env: Record<string, string>,
  findUrl: (stderr: string) => string | undefined,
  logFile: string,
): Promise<Child> {
  const log = openSync(logFile, "a");
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", log, "pipe"],
  });
  closeSync(log);
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address within 60s:\n${output}`)), 60_000);
    const onData = (data: Buffer) => {
      output += String(data);
      const url = findUrl(output);
      if (url) {
        clearTimeout(timer);
        child.stderr!.off("data", onData);
        // Still drain stderr, or a chatty child blocks on a full pipe.
        child.stderr!.resume();
        resolve({
          url,
          process: child,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once("exit", () => done());
              child.kill("SIGTERM");
            }),
        });
      }
    };
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before listening:\n${output}`));
    });
  });
}

export interface Load {
  requests: number;
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  non2xx: number;
  errors: number;
}

/** Drives `url` with autocannon; every response must be a 2xx, or the figure means nothing. */
export async function load(
  url: string,
  options: { connections: number; duration: number; headers?: Record<string, string> },
): Promise<Load> {
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.duration,
    headers: options.headers ?? {},
  });
  const out: Load = {
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
  if (out.non2xx || out.errors) throw new Error(`${url}: ${out.non2xx} non-2xx answers and ${out.errors} errors`);
  return out;
}

/**
 * CPU time (user + system, µs) a process has used, from /proc on Linux; undefined elsewhere.
 * Divided by the requests served, it shows what a request costs even when the machine is busy
 * with other work and req/s figures wobble.
 */
export function cpuMicros(pid: number | undefined): number | undefined {
  const file = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(file)) return undefined;
  // Fields after the command name (which may contain spaces) start at ") ".
  const fields = readFileSync(file, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / 100; // USER_HZ is 100 on Linux
}

/**
 * The pair every server bench compares: a Tessera server (with a tenant "bench" on a fresh SQLite
 * file in `dir`) and a Hono hello-world, each in a child process of its own.
 */
export async function startTesseraAndHello(
  dir: string,
  env: Record<string, string>,
): Promise<{ key: string; tessera: Child; hello: Child }> {
  tesseraCli(["migrate"], env);
  const tenant = JSON.parse(tesseraCli(["tenant", "create", "bench", "--json"], env)) as {
    api_keys: Array<{ environment: string; secret: string }>;
  };
  const key = tenant.api_keys.find((k) => k.environment === "development")!.secret;
  const tessera = await startChild(
    [join(ROOT, "packages/server/bin/tessera.mjs"), "serve", "--port", "0", "--no-demo"],
    {
      ...env,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
      NODE_ENV: "production",
      TESSERA_MASTER_KEY: "b".repeat(40),
      // Rate limiting stays on (its cost is part of every request) with a budget the load cannot spend.
      TESSERA_RATE_LIMIT_READ: "1000000000",
      TESSERA_RATE_LIMIT_WRITE: "1000000000",
      TESSERA_RATE_LIMIT_PUBLIC: "1000000000",
    },
    (out) => /Tessera is running at (http:\/\/\S+)/.exec(out)?.[1],
    join(dir, "tessera.log"),
  );
  const hello = await startChild(
    [join(ROOT, "bench/lib/hello.mjs")],
    {},
    (out) => {
      const port = /\{"port":(\d+)\}/.exec(out)?.[1];
      return port ? `http://127.0.0.1:${port}` : undefined;
    },
    join(dir, "hello.log"),
  );
  return { key, tessera, hello };
}
