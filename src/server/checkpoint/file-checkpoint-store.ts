/**
 * Checkpoints in `--checkpoint-dir`, one file per epoch, `checkpoint-<epoch>.bin` (format:
 * file-checkpoint-format.ts). Checkpoints are incremental (state-chain.ts): a file holds the whole
 * state or a delta against the previous epoch's, and names the files its restore reads.
 *
 * A commit writes a temporary file, fsyncs it and renames it to its final name — the rename is
 * the commit point of the epoch — then fsyncs the folder and deletes what neither the newest
 * `keep` checkpoints nor the chains they read need. `load` returns the newest checkpoint whose
 * files all check out, so a torn or corrupted file (or a stray temporary) is skipped rather than
 * fatal, like Spark's offset log ignoring an incomplete batch file.
 */
import { mkdir, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Checkpoint, CheckpointStore } from "../io/types";
import { fsConfigError } from "../io/config-errors";
import { ensureWritableDir } from "../io/writable-dir";
import { fsyncDir, writeDurable } from "../sinks/atomic-fs";
import { chainEpochs, type CheckpointFile, decodeCheckpointFile, encodeCheckpointFile, type FileHeader } from "./file-checkpoint-format";
import { CheckpointRestoreError } from "../runner/restore-errors";
import { type ChainPolicy, CheckpointFormatError, materialize, StateChain } from "./state-chain";

const NAME_RE = /^checkpoint-(\d+)\.bin$/;

/** Options of {@link FileCheckpointStore}. */
export interface FileCheckpointStoreOptions {
  dir: string;
  /** Checkpoints kept after each commit (default 2: the newest and one to fall back on), with the files their chains read. */
  keep?: number;
  /** When to store the whole state rather than a delta (see state-chain.ts). */
  chain?: ChainPolicy;
}

/** File name of the checkpoint of `epoch`. */
export function checkpointFileName(epoch: number): string {
  return `checkpoint-${String(epoch).padStart(12, "0")}.bin`;
}

/** What the last successful commit wrote (for benchmarks). */
export interface FileCommitStats {
  epoch: number;
  kind: "base" | "delta";
  /** Size of the checkpoint file. */
  bytes: number;
  chainLength: number;
}

/** A {@link CheckpointStore} in a local folder. */
export class FileCheckpointStore implements CheckpointStore {
  readonly dir: string;
  private readonly keep: number;
  private lastEpoch = -Infinity;
  private readonly chain: StateChain;
  /** What the last successful commit wrote. */
  lastCommit: FileCommitStats | undefined;

  constructor(options: FileCheckpointStoreOptions) {
    this.dir = options.dir;
    this.keep = Math.max(1, options.keep ?? 2);
    this.chain = new StateChain(options.chain);
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
    const files = new Map<number, Promise<CheckpointFile>>();
    const read = (epoch: number) => {
      let f = files.get(epoch);
      if (!f) files.set(epoch, (f = readFile(join(this.dir, checkpointFileName(epoch))).then(decodeCheckpointFile)));
      return f;
    };
    for (const { epoch } of this.checkpointFiles(names)) {
      try {
        const f = await read(epoch);
        if (f.format === 1) {
          if (f.checkpoint.epoch !== epoch) throw new Error(`file says epoch ${f.checkpoint.epoch}`);
          this.chain.reset(); // the next commit starts a chain with a base
          this.lastEpoch = epoch;
          return f.checkpoint;
        }
        const h = f.header;
        if (h.epoch !== epoch) throw new Error(`file says epoch ${h.epoch}`);
        const payloads: Uint8Array[] = [];
        for (const link of h.chain) {
          const g = link.epoch === epoch ? f : await read(link.epoch);
          const own = g.format === 2 ? g.header.chain[g.header.chain.length - 1] : undefined;
          if (g.format !== 2 || own!.kind !== link.kind || own!.bytes !== link.bytes) throw new Error(`epoch ${link.epoch}'s file is not the ${link.kind} the chain names`);
          payloads.push(g.payload);
        }
        const state = await materialize(h.chain, payloads, { stateBytes: h.state.bytes, sha256: h.state.sha256 });
        this.chain.reset({ state, chain: h.chain });
        this.lastEpoch = epoch;
        return { epoch, positions: h.positions, sinks: h.sinks, committedAt: h.committedAt, state };
      } catch (err) {
        if (err instanceof CheckpointFormatError) {
          throw new CheckpointRestoreError(`${checkpointFileName(epoch)} in ${this.dir}: ${err.message}; run that build, or ${this.freshStart}.`);
        }
        // Torn or corrupted (or a chain file that is): fall back to the previous checkpoint (its sinks' recover rolls back).
      }
    }
    this.chain.reset();
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
    const step = await this.chain.step(checkpoint.epoch, checkpoint.state);
    const header: FileHeader = {
      epoch: checkpoint.epoch,
      positions: checkpoint.positions,
      sinks: checkpoint.sinks,
      committedAt: checkpoint.committedAt,
      state: { bytes: step.stateBytes, sha256: step.sha256 },
      chain: step.chain,
    };
    const bytes = encodeCheckpointFile(header, step.payload);
    await mkdir(this.dir, { recursive: true });
    const name = checkpointFileName(checkpoint.epoch);
    const tmp = join(this.dir, `${name}.tmp-${process.pid}`);
    await writeDurable(tmp, bytes);
    await rename(tmp, join(this.dir, name));
    await fsyncDir(this.dir);
    this.chain.adopt(step);
    this.lastEpoch = checkpoint.epoch;
    this.lastCommit = { epoch: checkpoint.epoch, kind: step.link.kind, bytes: bytes.length, chainLength: step.chain.length };
    await this.prune(checkpoint.epoch, step.chain.map((l) => l.epoch));
  }

  /** Deletes the files that neither the newest `keep` checkpoints nor their chains need. */
  private async prune(newest: number, newestChain: number[]): Promise<void> {
    const all = this.checkpointFiles(await readdir(this.dir));
    const needed = new Set<number>();
    for (const { name, epoch } of all.slice(0, this.keep)) {
      const chain = epoch === newest ? newestChain : ((await chainEpochs(join(this.dir, name))) ?? [epoch]);
      for (const e of chain) needed.add(e);
      needed.add(epoch);
    }
    const old = all.filter((f) => !needed.has(f.epoch));
    for (const { name } of old) await unlink(join(this.dir, name)).catch(() => {});
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
