/**
 * Making sure an output or checkpoint folder exists and can be written, before anything is staged
 * in it, with an error that names the flag, the path and the fix.
 *
 * Node's `mkdir(path, { recursive: true })` is not used for this: on Linux, under a file system
 * that answers ENOENT to every creation (/proc), Node 20 retries it forever, so `--output /proc/x`
 * would hang the job rather than fail. The folders are created one level at a time instead.
 */
import { mkdir, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { ConfigError, fsConfigError } from "./config-errors";

async function statOrMissing(path: string): Promise<{ dir: boolean } | undefined> {
  try {
    return { dir: (await stat(path)).isDirectory() };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw err;
  }
}

/**
 * Creates `dir` (and missing parents) and checks that a file can be written in it. Errors that no
 * retry fixes (read-only, permission, a file in the way, a virtual file system) throw a
 * {@link ConfigError} naming `flag`; others (a full disk) are thrown as they are.
 */
export async function ensureWritableDir(dir: string, flag: string): Promise<void> {
  const setting = `${flag} ${dir}`;
  const abs = resolve(dir);
  const missing: string[] = [];
  let at = abs;
  for (;;) {
    let found: { dir: boolean } | undefined;
    try {
      found = await statOrMissing(at);
    } catch (err) {
      throw fsConfigError(err, { setting, what: "read", inExistingDir: true }) ?? err;
    }
    if (found) {
      if (!found.dir) throw new ConfigError(`${setting}: ${at} is a file, not a folder. Fix: pass a folder path (it is created when missing).`);
      break;
    }
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing) {
    try {
      await mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && (await statOrMissing(d))?.dir) continue; // made meanwhile
      throw fsConfigError(err, { setting, what: "create the folder", path: d, inExistingDir: true }) ?? err;
    }
  }
  const probe = join(abs, `.eddy-write-test-${process.pid}`);
  try {
    await writeFile(probe, "");
  } catch (err) {
    throw fsConfigError(err, { setting, what: "write in the folder", path: abs, inExistingDir: true }) ?? err;
  }
  await unlink(probe).catch(() => {});
}
