/**
 * Makes sure Debian's Chromium is at /usr/bin/chromium before the e2e tests launch it: when it is
 * missing and this process may install packages (root, apt-get present), it installs Debian's
 * `chromium` package with apt-get; otherwise it says which command to run. It never downloads a
 * browser by any other way (no playwright install).
 */
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian installs Chromium (`apt-get install -y chromium`). */
export const CHROMIUM = "/usr/bin/chromium";
/** The command that installs it (run as root). */
export const INSTALL_COMMAND = "apt-get update && apt-get install -y chromium";

/** The error text when Chromium is missing and cannot be installed here. */
export function missingChromiumMessage(why: string): string {
  return `${CHROMIUM} is missing (${why}): install Debian's Chromium with \`${INSTALL_COMMAND}\` as root (the e2e tests never download a browser)`;
}

function canInstall(): string | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return "not running as root";
  if (spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status !== 0) return "apt-get not found";
  return undefined;
}

/** Held while one process installs, so concurrent test runs on this machine do not race apt. */
const LOCK = join(tmpdir(), "eddy-chromium-install.lock");

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, "pid"), String(process.pid));
      break;
    } catch {
      const owner = Number(existsSync(join(LOCK, "pid")) ? readFileSync(join(LOCK, "pid"), "utf8") : NaN);
      // A lock whose owner died is stale (its pid file may not be written yet: then wait).
      if (Number.isInteger(owner) && !pidAlive(owner)) rmSync(LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Runs the install command, its output in `log`; resolves with the exit code. */
function runInstall(log: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(log);
    const child = spawn("sh", ["-c", INSTALL_COMMAND], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.once("error", reject);
    child.once("close", (code) => out.end(() => resolve(code ?? 1)));
  });
}

/**
 * Ensures {@link CHROMIUM} exists, installing Debian's package when this process can. Returns
 * undefined when Chromium is there, else the reason it is not (with the command to run).
 */
export async function ensureChromium(print: (line: string) => void = console.log): Promise<string | undefined> {
  if (existsSync(CHROMIUM)) return undefined;
  const cannot = canInstall();
  if (cannot) return missingChromiumMessage(cannot);
  return withLock(async () => {
    // Another test run may have installed it while this one waited for the lock.
    if (existsSync(CHROMIUM)) return undefined;
    print(`e2e: ${CHROMIUM} missing; installing Debian's chromium: ${INSTALL_COMMAND}`);
    const log = join(tmpdir(), `eddy-chromium-install-${process.pid}.log`);
    const t0 = Date.now();
    const code = await runInstall(log);
    if (code === 0 && existsSync(CHROMIUM)) {
      print(`e2e: installed ${CHROMIUM} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      rmSync(log, { force: true });
      return undefined;
    }
    const tail = readFileSync(log, "utf8").trimEnd().split("\n").slice(-15).join("\n");
    return missingChromiumMessage(`\`${INSTALL_COMMAND}\` exited with ${code}; its output is in ${log}:\n${tail}`);
  });
}
