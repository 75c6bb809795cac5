import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { type As, serveAs, tesseraAs, userIds } from "../support/processes.js";
import { badAnswer, eventually, request } from "../support/traffic.js";
import { ROOT, type Served } from "./cli.js";

/*
 * SQLite that can be read but not written, under a real `tessera serve`: a read-only database
 * file, a read-only data directory, a full disk. /readyz must say not ready (it writes), the log
 * must name SQLite's own error (not "cannot rollback - no transaction is active"), requests that
 * need a write answer 503 UNAVAILABLE, and the process stays up serving what it can.
 *
 * Root ignores file permissions, so as root the server runs as `nobody`. The full disk is a small
 * tmpfs where the machine lets us mount one (real ENOSPC: SQLITE_FULL); elsewhere (a container
 * without CAP_SYS_ADMIN, a non-root user) a file-size limit (`ulimit -f`) stands in for it, and
 * SQLite reports that as SQLITE_IOERR_WRITE. The test's name says which one ran;
 * TESSERA_TEST_FULL_DISK=ulimit picks the stand-in.
 */

const MASTER_KEY = "faults-master-key-faults-master-key-0123";
const env = { TESSERA_MASTER_KEY: MASTER_KEY, TESSERA_READYZ_TIMEOUT_MS: "1000" };
const SERVE_ARGS = ["--no-migrate", "--no-demo", "--no-worker"];
const root = mkdtempSync(join(tmpdir(), "tessera-sqlite-faults-"));
chmodSync(root, 0o755);
const servers: Served[] = [];
const cleanups: Array<() => void> = [];

afterAll(async () => {
  for (const s of servers) await s.stop("SIGKILL");
  for (const cleanup of cleanups.reverse()) cleanup();
  rmSync(root, { recursive: true, force: true });
}, 30_000);

const isRoot = process.getuid?.() === 0;
const unprivileged: As = isRoot ? (userIds("nobody") ?? {}) : {};
if (isRoot && unprivileged.uid === undefined) throw new Error("running as root needs a 'nobody' user for these tests");
// The server runs from this checkout: under /root, say, `nobody` could not even start it.
if (
  unprivileged.uid !== undefined &&
  spawnSync("test", ["-r", join(ROOT, "packages/server/src/cli.ts")], { uid: unprivileged.uid }).status !== 0
) {
  throw new Error(`user nobody cannot read ${ROOT}: these tests run the server as nobody (root ignores permissions)`);
}

/** A migrated database with one tenant, in a folder of its own owned by whoever runs the server. */
function prepare(name: string, as: As, dir = join(root, name)): { dir: string; url: string; key: string } {
  spawnSync("mkdir", ["-p", dir]);
  if (as.uid !== undefined) chownSync(dir, as.uid, as.gid ?? as.uid);
  const url = `sqlite:${join(dir, "tessera.db")}`;
  tesseraAs(["migrate", "--database-url", url], env, as);
  const tenant = JSON.parse(tesseraAs(["tenant", "create", "acme", "--json", "--database-url", url], env, as));
  const key = tenant.api_keys.find((k: { environment: string }) => k.environment === "development").secret;
  return { dir, url, key };
}

async function start(url: string, as: As): Promise<Served> {
  const server = await serveAs([...SERVE_ARGS, "--database-url", url], env, as);
  servers.push(server);
  return server;
}

function client(server: Served, key: string) {
  return (method: string, path: string, body?: unknown) =>
    request(`${server.url}${path}`, { method, key, tn: "acme", ...(body ? { body } : {}) }, 10_000);
}

/** The log lines that name an error code, and whether Kysely's failed rollback masked anything. */
async function loggedCauses(server: Served): Promise<string[]> {
  // Logs are flushed every 250 ms.
  await new Promise((r) => setTimeout(r, 400));
  return server.output.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { cause?: string })
    .flatMap((l) => (l.cause ? [l.cause] : []));
}

async function expectNotReady(server: Served) {
  const ready = await request(`${server.url}/readyz`, {}, 5000);
  expect(ready.status).toBe(503);
  expect(badAnswer(ready, [])).toBeUndefined();
  expect((await request(`${server.url}/healthz`)).status).toBe(200);
}

describe("tessera serve on SQLite that cannot be written", () => {
  it("a read-only database file: not ready, reads served, writes 503 with SQLITE_READONLY logged", async () => {
    const db = prepare("ro-file", unprivileged);
    chmodSync(join(db.dir, "tessera.db"), 0o444);
    const server = await start(db.url, unprivileged);
    const api = client(server, db.key);
    await expectNotReady(server);
    expect((await api("GET", "/v1/customers")).status).toBe(200);
    expect((await api("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web" })).status).toBe(503);
    const causes = await loggedCauses(server);
    expect(causes.length).toBeGreaterThan(0);
    expect(
      causes.every((c) => c.startsWith("SQLITE_READONLY")),
      causes.join(", "),
    ).toBe(true);
    expect(server.output.stdout).not.toContain("cannot rollback");
    expect(server.child.exitCode).toBeNull();
  });

  it("a read-only data directory: starts, not ready with SQLITE_READONLY_DIRECTORY logged, ready once writable", async () => {
    const db = prepare("ro-dir", unprivileged);
    chmodSync(db.dir, 0o555);
    cleanups.push(() => chmodSync(db.dir, 0o755));
    const server = await start(db.url, unprivileged);
    const api = client(server, db.key);
    await expectNotReady(server);
    // Without a -shm file SQLite cannot even read in WAL mode: 503, not 500.
    expect(badAnswer(await api("GET", "/v1/customers"), [])).toBeUndefined();
    const causes = await loggedCauses(server);
    expect(causes).toContain("SQLITE_READONLY_DIRECTORY");
    chmodSync(db.dir, 0o755);
    await eventually("/readyz to answer 200", async () => (await request(`${server.url}/readyz`)).status === 200);
    expect((await api("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web" })).status).toBe(201);
    expect(server.child.exitCode).toBeNull();
  });

  const disk = fullDisk();
  const recovery = disk.kind === "tmpfs" ? ", ready once space is freed" : "";
  it(`a full disk (${disk.kind}): not ready with ${disk.cause} logged, reads served${recovery}`, async () => {
    const db = prepare("full", {}, disk.dir);
    // Another connection keeps the -shm and an empty -wal in place, as a running server's would be
    // after a checkpoint: the next write needs new space, reads do not.
    const holder = new SQLite(join(db.dir, "tessera.db"));
    cleanups.push(() => holder.close());
    holder.prepare("select count(*) from tenants").get();
    holder.pragma("wal_checkpoint(TRUNCATE)");
    const filler = disk.fill();
    const server = await start(db.url, disk.as);
    const api = client(server, db.key);
    await expectNotReady(server);
    expect((await api("GET", "/v1/customers")).status).toBe(200);
    const write = await api("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web" });
    expect(badAnswer(write, [])).toBeUndefined();
    const causes = await loggedCauses(server);
    expect(causes).toContain(disk.cause);
    expect(server.output.stdout).not.toContain("cannot rollback");
    expect(server.child.exitCode).toBeNull();
    if (disk.kind === "tmpfs") {
      rmSync(filler);
      await eventually("/readyz to answer 200", async () => (await request(`${server.url}/readyz`)).status === 200);
      expect((await api("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web" })).status).toBe(201);
    } else {
      // A file-size limit lasts as long as the process: recovery is shown by the tmpfs variant only.
      console.warn(
        "full disk simulated with ulimit -f (no tmpfs mount here): recovery after freeing space not checked",
      );
    }
  });
});

/** A small filesystem to fill up: a tmpfs if we may mount one, else a file-size limit on the server. */
function fullDisk(): {
  kind: "tmpfs" | "ulimit -f";
  cause: string;
  dir: string;
  as: As;
  fill(): string;
} {
  const dir = join(root, "full");
  spawnSync("mkdir", ["-p", dir]);
  // TESSERA_TEST_FULL_DISK=ulimit runs the stand-in where a tmpfs could be mounted, to check it too.
  const mounted =
    process.env.TESSERA_TEST_FULL_DISK !== "ulimit" &&
    // Room for the migrations' WAL (≈ 3.2 MB, one transaction) beside the database while the
    // checkpoint at close copies it in; the filler takes whatever is left.
    spawnSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", dir]).status === 0;
  if (mounted) {
    cleanups.push(() => spawnSync("umount", ["-l", dir]));
    return {
      kind: "tmpfs",
      cause: "SQLITE_FULL",
      dir,
      as: {},
      fill() {
        const file = join(dir, "filler");
        const fd = openSync(file, "w");
        try {
          for (const size of [65_536, 4096, 1]) {
            const chunk = Buffer.alloc(size, 1);
            try {
              for (;;) writeSync(fd, chunk);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
            }
          }
        } finally {
          closeSync(fd);
        }
        return file;
      },
    };
  }
  // No file may grow: the empty WAL cannot take a frame.
  return { kind: "ulimit -f", cause: "SQLITE_IOERR_WRITE", dir, as: { prelude: "ulimit -f 0" }, fill: () => "" };
}
