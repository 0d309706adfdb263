/**
 * Checkpoints in `--checkpoint-dir`, one file per epoch, `checkpoint-<epoch>.bin`:
 *
 *   "EDDYCKP1" | u32 LE header length | header JSON | state bytes | SHA-256 of all before
 *
 * The header holds epoch, positions, sink bookkeeping, commit time and the state length. A commit
 * writes a temporary file, fsyncs it and renames it to its final name — the rename is the commit
 * point of the epoch — then fsyncs the folder and keeps only the newest `keep` checkpoints.
 * `load` returns the newest file whose digest and header check out, so a torn or corrupted file
 * (or a stray temporary) is skipped rather than fatal, like Spark's offset log ignoring an
 * incomplete batch file.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Checkpoint, CheckpointStore } from "../io/types";
import { fsConfigError } from "../io/config-errors";
import { ensureWritableDir } from "../io/writable-dir";
import { fsyncDir, writeDurable } from "../sinks/atomic-fs";

const MAGIC = Buffer.from("EDDYCKP1", "latin1");
const DIGEST = 32;
const NAME_RE = /^checkpoint-(\d+)\.bin$/;

interface Header {
  epoch: number;
  positions: Checkpoint["positions"];
  sinks: Checkpoint["sinks"];
  committedAt: number;
  stateLength: number;
}

/** Serialises a checkpoint to the file format above. */
export function encodeCheckpoint(c: Checkpoint): Buffer {
  const header: Header = {
    epoch: c.epoch,
    positions: c.positions,
    sinks: c.sinks,
    committedAt: c.committedAt,
    stateLength: c.state.byteLength,
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const body = Buffer.concat([MAGIC, len, json, c.state]);
  return Buffer.concat([body, createHash("sha256").update(body).digest()]);
}

/** Parses a checkpoint file; throws on any inconsistency. */
export function decodeCheckpoint(buf: Uint8Array): Checkpoint {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < MAGIC.length + 4 + DIGEST || !b.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new Error("not an eddy checkpoint");
  }
  const body = b.subarray(0, b.length - DIGEST);
  if (!createHash("sha256").update(body).digest().equals(b.subarray(b.length - DIGEST))) {
    throw new Error("checkpoint digest mismatch (torn or corrupted file)");
  }
  const jsonLen = b.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  const header = JSON.parse(b.subarray(start, start + jsonLen).toString("utf8")) as Header;
  const state = body.subarray(start + jsonLen);
  if (state.length !== header.stateLength) throw new Error("checkpoint state length mismatch");
  return {
    epoch: header.epoch,
    positions: header.positions,
    sinks: header.sinks,
    committedAt: header.committedAt,
    state: new Uint8Array(state),
  };
}

/** Options of {@link FileCheckpointStore}. */
export interface FileCheckpointStoreOptions {
  dir: string;
  /** Checkpoints kept after each commit (default 2: the newest and one to fall back on). */
  keep?: number;
}

/** File name of the checkpoint of `epoch`. */
export function checkpointFileName(epoch: number): string {
  return `checkpoint-${String(epoch).padStart(12, "0")}.bin`;
}

/** A {@link CheckpointStore} in a local folder. */
export class FileCheckpointStore implements CheckpointStore {
  readonly dir: string;
  private readonly keep: number;
  private lastEpoch = -Infinity;

  constructor(options: FileCheckpointStoreOptions) {
    this.dir = options.dir;
    this.keep = Math.max(1, options.keep ?? 2);
  }

  /** See {@link CheckpointStore.freshStart}. */
  get freshStart(): string {
    return `use a new --output or --checkpoint-dir folder (this checkpoint is in ${this.dir})`;
  }

  /** The newest valid checkpoint, or undefined when there is none. A folder that cannot be written is a ConfigError. */
  async load(): Promise<Checkpoint | undefined> {
    await ensureWritableDir(this.dir, "--checkpoint-dir");
    const names = await readdir(this.dir);
    for (const n of names) if (n.includes(".tmp-")) await unlink(join(this.dir, n)).catch(() => {});
    for (const { name, epoch } of this.checkpointFiles(names)) {
      try {
        const c = decodeCheckpoint(await readFile(join(this.dir, name)));
        if (c.epoch !== epoch) throw new Error(`file says epoch ${c.epoch}`);
        this.lastEpoch = c.epoch;
        return c;
      } catch {
        // Torn or corrupted: fall back to the previous checkpoint (its sinks' recover rolls back).
      }
    }
    return undefined;
  }

  /** Commits `checkpoint`: durable once this resolves, atomic at the rename. */
  async commit(checkpoint: Checkpoint): Promise<void> {
    try {
      await this.write(checkpoint);
    } catch (err) {
      throw fsConfigError(err, { setting: `--checkpoint-dir ${this.dir}`, what: "write" }) ?? err;
    }
  }

  private async write(checkpoint: Checkpoint): Promise<void> {
    if (checkpoint.epoch <= this.lastEpoch) {
      throw new Error(`checkpoint epoch ${checkpoint.epoch} is not after ${this.lastEpoch}`);
    }
    await mkdir(this.dir, { recursive: true });
    const name = checkpointFileName(checkpoint.epoch);
    const tmp = join(this.dir, `${name}.tmp-${process.pid}`);
    await writeDurable(tmp, encodeCheckpoint(checkpoint));
    await rename(tmp, join(this.dir, name));
    await fsyncDir(this.dir);
    this.lastEpoch = checkpoint.epoch;
    const old = this.checkpointFiles(await readdir(this.dir)).slice(this.keep);
    for (const { name: n } of old) await unlink(join(this.dir, n)).catch(() => {});
    if (old.length) await fsyncDir(this.dir);
  }

  async close(): Promise<void> {}

  /** Checkpoint files, newest first. */
  private checkpointFiles(names: string[]): { name: string; epoch: number }[] {
    return names
      .map((name) => ({ name, m: NAME_RE.exec(name) }))
      .filter((x) => x.m)
      .map((x) => ({ name: x.name, epoch: Number(x.m![1]) }))
      .sort((a, b) => b.epoch - a.epoch);
  }
}
