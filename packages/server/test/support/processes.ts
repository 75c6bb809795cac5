import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, type Served } from "../e2e/cli.js";

/** The CLI as a child process with what the fault tests need beyond test/e2e/cli.ts: another user, a shell prefix. */

const BIN = join(ROOT, "packages/server/bin/tessera.mjs");

export interface As {
  /** Run as this user (root ignores file permissions, so read-only files need someone else). */
  uid?: number;
  gid?: number;
  /** Shell commands run first, in the same process (`ulimit -f 0`). */
  prelude?: string;
}

function command(args: string[], as: As): [string, string[]] {
  if (!as.prelude) return [process.execPath, [BIN, ...args]];
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  return ["sh", ["-c", `${as.prelude} && exec ${quoted}`]];
}

const ids = (as: As) => (as.uid !== undefined ? { uid: as.uid, gid: as.gid ?? as.uid } : {});

/** Runs one CLI command to completion and fails with its output unless it exits 0. */
export function tesseraAs(args: string[], env: Record<string, string>, as: As = {}): string {
  const [file, argv] = command(args, as);
  const res = spawnSync(file, argv, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    encoding: "utf8",
    timeout: 60_000,
    ...ids(as),
  });
  if (res.status !== 0)
    throw new Error(`tessera ${args.join(" ")} exited ${res.status}: ${res.stderr}${res.error ?? ""}`);
  return res.stdout;
}

/** `tessera serve --port 0`, resolved once the banner names the URL (whether or not it is ready). */
export async function serveAs(args: string[], env: Record<string, string>, as: As = {}): Promise<Served> {
  const [file, argv] = command(["serve", "--port", "0", ...args], as);
  const child = spawn(file, argv, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...ids(as),
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
    child.stderr!.on("data", () => {
      const match = /Tessera is running at (http:\/\/\S+)/.exec(output.stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code} before listening:\n${output.stderr}\n${output.stdout}`));
    });
  });
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

/** uid and gid of a user of this machine, or undefined. */
export function userIds(name: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync("id", ["-u", name], { encoding: "utf8" });
  if (uid.status !== 0) return undefined;
  return {
    uid: Number(uid.stdout.trim()),
    gid: Number(spawnSync("id", ["-g", name], { encoding: "utf8" }).stdout.trim()),
  };
}
