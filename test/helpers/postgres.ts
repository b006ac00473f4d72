/**
 * A private PostgreSQL server for tests: `initdb` in a temporary directory, `pg_ctl start` on a free
 * loopback port, `stop()` shuts it down and removes the directory. initdb refuses to run as root, so as
 * root the server runs as the unprivileged `postgres` user.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PostgresServer {
  connectionString: string;
  stop(): Promise<void>;
}

/** Where pg_ctl and initdb are: on PATH, or in Debian's /usr/lib/postgresql/<version>/bin (newest first). */
export function findPostgresBin(): string | undefined {
  const debian = existsSync("/usr/lib/postgresql")
    ? readdirSync("/usr/lib/postgresql")
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => `/usr/lib/postgresql/${version}/bin/`)
    : [];
  for (const dir of ["", ...debian]) {
    try {
      execFileSync(`${dir}pg_ctl`, ["--version"], { stdio: "ignore" });
      return dir;
    } catch {}
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function userIds(name: string): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim()),
  };
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (bin === undefined) throw new Error("PostgreSQL is not installed (initdb, pg_ctl); .ci/run installs it");
  const dir = mkdtempSync(join(tmpdir(), "cogcore-pg-"));
  const dataDir = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) => {
    const options = asRoot ? userIds("postgres") : {};
    execFileSync(`${bin}${command}`, args, {
      stdio: "pipe",
      ...options,
      env: { ...process.env, LC_ALL: "C" },
    });
  };
  if (asRoot) {
    const { uid, gid } = userIds("postgres");
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  run("initdb", ["-D", dataDir, "-A", "trust", "-U", "cogcore", "--no-sync", "-E", "UTF8"]);
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`;
  run("pg_ctl", ["-D", dataDir, "-o", settings, "-l", join(dir, "log"), "-w", "start"]);
  return {
    connectionString: `postgresql://cogcore@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        run("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
