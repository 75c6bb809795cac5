import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Json } from "../harness.js";

/** Helpers of the end-to-end tests: the real `tessera` CLI as a child process, and fetch. */

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
const BIN = join(ROOT, "packages/server/bin/tessera.mjs");

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command to completion. */
export function tessera(args: string[], env: Record<string, string>, cwd = ROOT): CliResult {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Parses a CLI command's JSON output, failing with its stderr when it did not succeed. */
export function tesseraJson<T = Json>(args: string[], env: Record<string, string>): T {
  const res = tessera([...args, "--json"], env);
  if (res.status !== 0) throw new Error(`tessera ${args.join(" ")} exited ${res.status}: ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}

export interface Served {
  url: string;
  child: ChildProcess;
  /** Everything written so far: the banner goes to stderr, JSON logs to stdout. */
  output: { stdout: string; stderr: string };
  /** Sends a signal and resolves with the exit code and signal. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `tessera serve --port 0`, resolved once the banner names the URL and /readyz answers 200. */
export async function serve(args: string[], env: Record<string, string>, cwd = ROOT): Promise<Served> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", ...args], {
    cwd,
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout!.on("data", (d) => {
    output.stdout += String(d);
  });
  child.stderr!.on("data", (d) => {
    output.stderr += String(d);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 60s:\n${output.stderr}`)), 60_000);
    const check = () => {
      const match = /Tessera is running at (http:\/\/\S+)/.exec(output.stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stderr!.on("data", check);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code} before listening:\n${output.stderr}`));
    });
  });
  await waitForReady(url);
  return {
    url,
    child,
    output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Logs are buffered (flushed every 250 ms): wait for a line instead of expecting it at once. */
export async function waitForOutput(served: Served, stream: "stdout" | "stderr", text: string): Promise<void> {
  for (let i = 0; i < 100 && !served.output[stream].includes(text); i++) await new Promise((r) => setTimeout(r, 50));
}

async function waitForReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url}/readyz never answered 200`);
}

export interface HttpResult<T = Json> {
  status: number;
  body: T;
  headers: Headers;
}

/** A fetch bound to one server, key and tenant. */
export function http(base: string, key?: string, tn?: string) {
  return async <T = Json>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult<T>> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(tn ? { "x-tn": tn } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
}
