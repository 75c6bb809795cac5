import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Starts a throwaway Postgres server for the test run: initdb + pg_ctl on a free loopback port.
 * Postgres refuses to run as root, so as root the cluster is owned by and run as the `postgres`
 * user (Debian's package creates it). Returns its URL and a stop function.
 */
export interface TestPostgres {
  url: string;
  stop(): void;
}

function findBin(name: string): string {
  const fromPath = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  if (fromPath) return fromPath;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const candidate = join(root, v, "bin", name);
      if (existsSync(candidate)) return candidate;
    }
  }
  throw new Error(
    `${name} not found: install PostgreSQL (Debian: apt-get install postgresql) or set TESSERA_TEST_PG_URL`,
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

function userIds(name: string): { uid: number; gid: number } | undefined {
  const out = spawnSync("id", ["-u", name], { encoding: "utf8" });
  if (out.status !== 0) return undefined;
  const gid = spawnSync("id", ["-g", name], { encoding: "utf8" }).stdout.trim();
  return { uid: Number(out.stdout.trim()), gid: Number(gid) };
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const initdb = findBin("initdb");
  const pgCtl = findBin("pg_ctl");
  const dir = mkdtempSync(join(tmpdir(), "tessera-pg-"));
  const data = join(dir, "data");
  const isRoot = process.getuid?.() === 0;
  const runAs = isRoot ? userIds("postgres") : undefined;
  if (isRoot && !runAs) throw new Error("running as root needs a 'postgres' user to own the test cluster");
  if (runAs) {
    chownSync(dir, runAs.uid, runAs.gid);
    chmodSync(dir, 0o700);
  }
  const run = (bin: string, args: string[]) =>
    execFileSync(bin, args, {
      stdio: "pipe",
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      env: { ...process.env, LC_ALL: "C" },
    });

  run(initdb, ["-D", data, "-U", "tessera", "-A", "trust", "--locale=C", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
  ].join(" ");
  run(pgCtl, ["-D", data, "-o", settings, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
  return {
    url: `postgres://tessera@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
