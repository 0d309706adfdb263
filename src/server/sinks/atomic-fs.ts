/**
 * Durable file primitives for the file sink and the file checkpoint store. Everything that must
 * survive a `kill -9` or a power cut goes through here: data is fsynced before it is published,
 * and the directory is fsynced after a rename or unlink, because on Linux a rename is only durable
 * once its directory entry is.
 */
import { constants } from "node:fs";
import { mkdir, open, rename, rm, stat, truncate } from "node:fs/promises";
import { dirname } from "node:path";

/** Fsyncs a directory so that renames, creations and unlinks in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, constants.O_RDONLY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  try {
    await fh.sync();
  } catch (err) {
    // Some filesystems (and Windows) refuse fsync on a directory; the rename is still atomic there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EPERM" && code !== "EISDIR" && code !== "EBADF") throw err;
  } finally {
    await fh.close();
  }
}

/** Writes `data` to `path` (created or truncated) and fsyncs it; not atomic by itself. */
export async function writeDurable(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `path` with `data` atomically: a reader (or a restart) sees the old file or the whole
 * new one, never a torn one. The temporary lives in the same directory so the rename cannot cross
 * filesystems.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeDurable(tmp, data);
  await rename(tmp, path);
  await fsyncDir(dir);
}

/** Size of `path` in bytes, or 0 when it does not exist. */
export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
}

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/**
 * Makes `path` exactly `base` bytes long and then appends `data` at `base`, fsynced. Repeating it
 * after a crash mid-way gives the same file, which is what makes an interrupted publish resumable.
 */
export async function writeAt(path: string, base: number, data: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const created = !(await exists(path));
  const fh = await open(path, created ? "w+" : "r+");
  try {
    await fh.truncate(base);
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await fh.write(data, done, data.length - done, base + done);
      done += bytesWritten;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (created) await fsyncDir(dirname(path));
}

/** Shortens `path` to `length` bytes (fsynced); no-op when it is already that short. */
export async function truncateDurable(path: string, length: number): Promise<void> {
  if ((await fileSize(path)) <= length) return;
  await truncate(path, length);
  const fh = await open(path, "r+");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Removes a file or directory tree if present and makes the removal durable. */
export async function removeDurable(path: string): Promise<void> {
  if (!(await exists(path))) return;
  await rm(path, { recursive: true, force: true });
  await fsyncDir(dirname(path));
}
