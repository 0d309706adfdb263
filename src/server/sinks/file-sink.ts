/**
 * The file sink: per metric, Parquet parts `DIR/<metric>/part-<epoch>.parquet` and one JSON Lines
 * file `DIR/<metric>.jsonl`; side outputs in `DIR/dlq/<topic>.jsonl` and `DIR/late/<topic>.jsonl`.
 * Exactly-once across crashes, by the two-phase protocol of `io/types.ts`:
 *
 * - `prepare(E)` writes the epoch's files whole under `DIR/.staging/<E>/` (same relative paths),
 *   fsyncs them and returns the {@link FileSinkBookkeeping}: the bytes staged per JSONL file and,
 *   for EVERY JSONL file, its committed length once `E` is published.
 * - The checkpoint commit stores that bookkeeping: from then on `E` is committed.
 * - `finish(E)` renames the Parquet parts into place, writes each staged JSONL chunk at the
 *   file's previous committed length (truncate + write + fsync, so repeating it is harmless) and
 *   then renames `.staging/<E>` away; that rename marks the publish as complete.
 * - `recover(C)` rolls the folder to exactly checkpoint `C`: it redoes `finish(C)` when
 *   `.staging/<C>` still exists, truncates every JSONL file to its committed length (deleting
 *   those that `C` does not know), deletes Parquet parts of epochs after `C` and all staging.
 *   With no checkpoint (or one written without this sink) the committed state is empty, so a
 *   fresh run starts from an empty output (like rerunning a Spark query with a new checkpoint
 *   into `overwrite` mode). Only eddy's own names are touched; one runner per folder.
 *
 * A restart thus never leaves a torn or duplicated row. JSONL files are appended in place (one
 * file per metric, as the issue asks); a reader tailing one during a publish may briefly see a
 * partial epoch, as with any growing log, while a Parquet part appears whole or not at all.
 */
import { mkdir, readFile, readdir, rename, rmdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { MetricRegistry } from "../../core/metrics/registry";
import type { Checkpoint, Epoch, OutputRow, Sink, SideRecord } from "../io/types";
import { fsConfigError } from "../io/config-errors";
import { ensureWritableDir } from "../io/writable-dir";
import { exists, fileSize, fsyncDir, removeDurable, truncateDurable, writeAt, writeDurable } from "./atomic-fs";
import { encodeRowLines, encodeSideLines, topicFileName } from "./jsonl-encode";
import { encodeParquet } from "./parquet-encode";

/** What a file sink stores in the checkpoint for epoch `epoch` (JSON-serialisable). */
export interface FileSinkBookkeeping {
  version: 1;
  epoch: number;
  /** Committed byte length of every JSONL file (path relative to DIR) once `epoch` is published. */
  lengths: Record<string, number>;
  /** JSONL files this epoch appends to, with the bytes staged for each. */
  appends: Record<string, number>;
  /** Parquet parts this epoch publishes (paths relative to DIR). */
  parts: string[];
}

/** Options of {@link FileSink}. */
export interface FileSinkOptions {
  /** Output folder (`--output`, default `output/`). */
  dir: string;
  /** Which files to write (default both). */
  formats?: { parquet?: boolean; jsonl?: boolean };
  /** The run's metrics: one file (and Parquet schema) each (default: the SPEC metrics). */
  metrics?: MetricRegistry;
  /**
   * Test hook called at each step boundary of prepare/finish/recover (`prepare:staged`,
   * `finish:part:<path>`, `finish:append:<path>`, `finish:published`, `recover:finished`); a
   * hook that throws simulates a crash there.
   */
  onStep?: (step: string) => void;
  /** The flag that set `dir`, for error messages (default `--output`). */
  flag?: string;
}

const STAGING = ".staging";
const EPOCH_DIGITS = 12;
const PART_RE = /^part-(\d+)\.parquet$/;

/** File name of a metric's Parquet part for `epoch`. */
export function partName(epoch: number): string {
  return `part-${String(epoch).padStart(EPOCH_DIGITS, "0")}.parquet`;
}

function emptyBookkeeping(epoch: number): FileSinkBookkeeping {
  return { version: 1, epoch, lengths: {}, appends: {}, parts: [] };
}

/** Parquet + JSONL files under one folder, published atomically per checkpoint epoch. */
export class FileSink implements Sink {
  readonly name = "files";
  readonly dir: string;
  private readonly flag: string;
  private readonly parquet: boolean;
  private readonly jsonl: boolean;
  private readonly metrics: MetricRegistry;
  private readonly step: (s: string) => void;
  /** Committed JSONL lengths as of the last published epoch. */
  private lengths: Record<string, number> = {};
  private recovered = false;
  private pending: { book: FileSinkBookkeeping; chunks: Map<string, Uint8Array> } | undefined;

  constructor(options: FileSinkOptions) {
    this.dir = options.dir;
    this.flag = options.flag ?? "--output";
    this.parquet = options.formats?.parquet ?? true;
    this.jsonl = options.formats?.jsonl ?? true;
    this.metrics = options.metrics ?? MetricRegistry.builtin();
    this.step = options.onStep ?? (() => {});
  }

  /** Creates the folder; a folder that cannot be written is a ConfigError (io/config-errors.ts). */
  async open(): Promise<void> {
    await ensureWritableDir(this.dir, this.flag);
  }

  /** Must run before the first `prepare`: rolls the folder to exactly what `checkpoint` committed. */
  async recover(checkpoint: Checkpoint | undefined): Promise<void> {
    return this.classified(() => this.recoverTo(checkpoint));
  }

  /** Stages the epoch under `.staging/<id>/`; returns the bookkeeping for the checkpoint. */
  async prepare(epoch: Epoch): Promise<FileSinkBookkeeping> {
    return this.classified(() => this.stage(epoch));
  }

  /** Publishes the prepared epoch (the checkpoint holding its bookkeeping has committed). */
  async finish(epoch: Epoch): Promise<void> {
    return this.classified(() => this.publishPending(epoch));
  }

  async close(): Promise<void> {}

  /** Runs `step`, turning file errors no retry fixes (the folder became read-only) into a ConfigError. */
  private async classified<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      throw fsConfigError(err, { setting: `${this.flag} ${this.dir}`, what: "write" }) ?? err;
    }
  }

  private async recoverTo(checkpoint: Checkpoint | undefined): Promise<void> {
    const stored = checkpoint?.sinks[this.name] as FileSinkBookkeeping | undefined;
    const book = stored ?? emptyBookkeeping(checkpoint?.epoch ?? 0);
    if (book.version !== 1) throw new Error(`file sink: unknown checkpoint bookkeeping version ${book.version}`);
    const staged = join(this.dir, STAGING, String(book.epoch));
    if (stored && (await exists(staged))) {
      await this.publish(book, (rel) => readFile(join(staged, rel)));
    }
    this.step("recover:finished");
    for (const rel of await this.jsonlFiles()) {
      const committed = book.lengths[rel];
      if (committed === undefined) await removeDurable(join(this.dir, rel));
      else await truncateDurable(join(this.dir, rel), committed);
    }
    for (const [rel, committed] of Object.entries(book.lengths)) {
      const size = await fileSize(join(this.dir, rel));
      if (size < committed) {
        throw new Error(`file sink: ${join(this.dir, rel)} has ${size} bytes, the checkpoint committed ${committed}`);
      }
    }
    await this.removePartsAfter(book.epoch);
    await removeDurable(join(this.dir, STAGING));
    this.lengths = { ...book.lengths };
    this.pending = undefined;
    this.recovered = true;
  }

  private async stage(epoch: Epoch): Promise<FileSinkBookkeeping> {
    if (!this.recovered) throw new Error("file sink: recover() must run before the first epoch");
    if (this.pending) {
      throw new Error(`file sink: epoch ${epoch.id} prepared while epoch ${this.pending.book.epoch} is not finished`);
    }
    const files = this.encode(epoch);
    const book: FileSinkBookkeeping = { ...emptyBookkeeping(epoch.id), lengths: { ...this.lengths } };
    const chunks = new Map<string, Uint8Array>();
    const stagingDir = join(this.dir, STAGING, String(epoch.id));
    await removeDurable(stagingDir);
    const dirs = new Set<string>();
    for (const [rel, data] of files) {
      const path = join(stagingDir, rel);
      await mkdir(dirname(path), { recursive: true });
      dirs.add(dirname(path));
      await writeDurable(path, data);
      if (rel.endsWith(".parquet")) book.parts.push(rel);
      else {
        book.appends[rel] = data.length;
        book.lengths[rel] = (this.lengths[rel] ?? 0) + data.length;
        chunks.set(rel, data);
      }
    }
    for (const d of dirs) await fsyncDir(d);
    if (dirs.size > 0) {
      await fsyncDir(stagingDir);
      await fsyncDir(join(this.dir, STAGING));
    }
    this.step("prepare:staged");
    this.pending = { book, chunks };
    return book;
  }

  private async publishPending(epoch: Epoch): Promise<void> {
    const pending = this.pending;
    if (!pending || pending.book.epoch !== epoch.id) throw new Error(`file sink: epoch ${epoch.id} was not prepared`);
    await this.publish(pending.book, async (rel) => pending.chunks.get(rel)!);
    this.lengths = pending.book.lengths;
    this.pending = undefined;
  }

  /** The files of an epoch, relative path → bytes. */
  private encode(epoch: Epoch): Map<string, Uint8Array> {
    const files = new Map<string, Uint8Array>();
    const enc = new TextEncoder();
    const byMetric = new Map<string, OutputRow[]>();
    for (const row of epoch.rows) {
      const m = row.metric;
      if (!this.metrics.has(m)) throw new Error(`file sink: unknown metric '${row.metric}'`);
      let list = byMetric.get(m);
      if (!list) byMetric.set(m, (list = []));
      list.push(row);
    }
    for (const [metric, rows] of byMetric) {
      if (this.parquet) files.set(`${metric}/${partName(epoch.id)}`, encodeParquet(metric, this.metrics.fields(metric), rows));
      if (this.jsonl) files.set(`${metric}.jsonl`, enc.encode(encodeRowLines(this.metrics, rows)));
    }
    for (const [folder, records] of [["dlq", epoch.dlq], ["late", epoch.late]] as const) {
      const byTopic = new Map<string, SideRecord[]>();
      for (const s of records) {
        const name = topicFileName(s.record.topic);
        let list = byTopic.get(name);
        if (!list) byTopic.set(name, (list = []));
        list.push(s);
      }
      for (const [topic, list] of byTopic) files.set(`${folder}/${topic}.jsonl`, enc.encode(encodeSideLines(list)));
    }
    return files;
  }

  /** Renames staged parts, writes staged JSONL chunks at their base length, drops the staging. */
  private async publish(book: FileSinkBookkeeping, chunk: (rel: string) => Promise<Uint8Array>): Promise<void> {
    const staged = join(this.dir, STAGING, String(book.epoch));
    const touched = new Set<string>();
    for (const rel of book.parts) {
      const target = join(this.dir, rel);
      await mkdir(dirname(target), { recursive: true });
      // A part already renamed by an interrupted publish is in place and its staged copy gone.
      if (await exists(join(staged, rel))) await rename(join(staged, rel), target);
      else if (!(await exists(target))) throw new Error(`file sink: staged part ${rel} of epoch ${book.epoch} is lost`);
      touched.add(dirname(target));
      this.step(`finish:part:${rel}`);
    }
    for (const d of touched) await fsyncDir(d);
    for (const [rel, bytes] of Object.entries(book.appends)) {
      const data = await chunk(rel);
      if (data.length !== bytes) throw new Error(`file sink: staged ${rel} of epoch ${book.epoch} is torn`);
      const base = book.lengths[rel] - bytes;
      const size = await fileSize(join(this.dir, rel));
      // Shorter than what earlier epochs committed: rows were lost outside eddy; never pad with zeros.
      if (size < base) throw new Error(`file sink: ${join(this.dir, rel)} has ${size} bytes, the checkpoint committed ${base}`);
      await writeAt(join(this.dir, rel), base, data);
      this.step(`finish:append:${rel}`);
    }
    // Renaming first makes "published" atomic: a crash inside the recursive delete cannot leave
    // a `.staging/<E>` that looks unpublished but lacks some of its files.
    await rename(staged, `${staged}.done`).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    this.step("finish:published");
    await removeDurable(`${staged}.done`);
    await rmdir(join(this.dir, STAGING)).catch(() => {}); // only when empty; leaves no trace
  }

  /** JSONL outputs present on disk, relative to DIR. */
  private async jsonlFiles(): Promise<string[]> {
    const out: string[] = [];
    for (const m of this.metrics.names) if (await exists(join(this.dir, `${m}.jsonl`))) out.push(`${m}.jsonl`);
    for (const folder of ["dlq", "late"]) {
      for (const name of await listDir(join(this.dir, folder))) if (name.endsWith(".jsonl")) out.push(`${folder}/${name}`);
    }
    return out;
  }

  private async removePartsAfter(epoch: number): Promise<void> {
    for (const m of this.metrics.names) {
      for (const name of await listDir(join(this.dir, m))) {
        const match = PART_RE.exec(name);
        if (match && Number(match[1]) > epoch) await removeDurable(join(this.dir, m, name));
      }
    }
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}
