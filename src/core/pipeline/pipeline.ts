/**
 * The SPEC pipeline, isomorphic: validated events in (columnar, {@link EventBatch}), watermarks,
 * every metric operator, final and update rows out, snapshot/restore of everything. The Node
 * runner and the browser worker both drive it; `wasmKernels(core)` and `referenceKernels()` make
 * the same pipeline run on eddy.wasm or on the reference oracle.
 *
 * Two lanes with their own watermark, as the seeds run two jobs: clickstream + transactions feed
 * every metric but orders_metrics; orders feed orders_metrics only (so a quiet or absent orders
 * topic never holds the other windows open, idle timeout or not).
 */
import { type Catalog, categoryOf, DEFAULT_CATALOG, productName } from "../catalog";
import { Dictionary } from "../dictionary";
import type { ClickstreamEvent, OrderEvent, TopicKind, TransactionEvent } from "../events";
import type { WatermarkTracker } from "../kernels/watermark";
import { BatchBuilder, EventBatch, TOPIC_ORDERS } from "./batch";
import { diffPipelineConfig, type PipelineConfig, PipelineSettingsError, resolvePipelineConfig, storedPipelineConfig } from "./config";
import type { KernelFactory } from "./kernel-factory";
import { ActivityOp } from "./metrics/activity";
import { AnomaliesOp } from "./metrics/anomalies";
import { CategoryRevenueOp } from "./metrics/category-revenue";
import { ConversionsOp } from "./metrics/conversions";
import { FunnelOp } from "./metrics/funnel";
import type { MetricOp, OpContext } from "./metrics/op";
import { OrdersOp } from "./metrics/orders";
import { SessionsOp } from "./metrics/sessions";
import { TrafficOp } from "./metrics/traffic";
import type { OutputRow } from "./rows";
import { decodeSnapshot, encodeSnapshot } from "./snapshot";

/** Options of {@link Pipeline.create}. */
export interface PipelineOptions {
  kernels: KernelFactory;
  /**
   * Settings (SPEC defaults for what is left out). When restoring, a snapshot written with other
   * settings is refused with a {@link PipelineSettingsError}; leave `config` out to take the
   * snapshot's settings as they are.
   */
  config?: Partial<PipelineConfig>;
  catalog?: Catalog;
  /** Events per batch (default 16,384). */
  capacity?: number;
}

/** Result of {@link Pipeline.process}. */
export interface ProcessResult {
  /** Rows that leave on arrival (anomalies), in read order. */
  rows: OutputRow[];
  /**
   * Per batch event, a bitmask of the operators it was late for (bit k = {@link Pipeline.opNames}[k]);
   * 0 = on time. Valid until the next process call.
   */
  late: Uint32Array;
  /** Number of late events in the batch. */
  lateCount: number;
}

type OpCtor = new (ctx: OpContext, snaps?: Uint8Array[]) => MetricOp;
const MAIN_OPS: OpCtor[] = [ActivityOp, CategoryRevenueOp, ConversionsOp, SessionsOp, AnomaliesOp, TrafficOp, FunnelOp];
const ORDER_OPS: OpCtor[] = [OrdersOp];

/** Dictionaries of the pipeline, in snapshot order. */
const DICTS = ["users", "products", "categories", "urls", "streams"] as const;
type Dicts = Record<(typeof DICTS)[number], Dictionary>;

class Lane {
  readonly stream: Uint32Array;
  readonly t: Float64Array;
  readonly idx: Uint32Array;
  n = 0;
  constructor(
    readonly tracker: WatermarkTracker,
    readonly ops: MetricOp[],
    readonly bitBase: number,
    capacity: number,
  ) {
    this.stream = new Uint32Array(capacity);
    this.t = new Float64Array(capacity);
    this.idx = new Uint32Array(capacity);
  }
}

/** See the module comment. */
export class Pipeline {
  readonly batch: EventBatch;
  readonly config: PipelineConfig;
  private readonly builder: BatchBuilder;
  private readonly lanes: Lane[];
  private readonly wm: Float64Array;
  private readonly late: Uint32Array;
  private finished = false;

  private constructor(
    readonly kernels: KernelFactory,
    config: PipelineConfig,
    private readonly catalog: Catalog,
    private readonly dicts: Dicts,
    capacity: number,
    snaps?: { watermarks: Uint8Array[]; ops: Uint8Array[][]; finished: boolean },
  ) {
    this.config = config;
    this.batch = new EventBatch(capacity);
    this.builder = new BatchBuilder(dicts, (p) => categoryOf(catalog, p));
    this.wm = new Float64Array(capacity);
    this.late = new Uint32Array(capacity);
    const ctx: OpContext = {
      config,
      kernels,
      users: dicts.users,
      products: dicts.products,
      categories: dicts.categories,
      urls: dicts.urls,
      productName: (id) => productName(catalog, id) ?? null,
      capacity,
    };
    const wmSpec = { delayMs: config.watermarkDelayMs, idleTimeoutMs: config.idleTimeoutMs };
    let opIndex = 0;
    this.lanes = [MAIN_OPS, ORDER_OPS].map((ctors, laneNo) => {
      const base = opIndex;
      const ops = ctors.map((C) => {
        const k = opIndex++; // not inside `snaps?.…`: optional chaining would skip the increment
        return new C(ctx, snaps?.ops[k]);
      });
      return new Lane(kernels.watermark(wmSpec, snaps?.watermarks[laneNo]), ops, base, capacity);
    });
    this.finished = snaps?.finished ?? false;
  }

  /**
   * A new pipeline, or one restored from {@link Pipeline.snapshot} bytes. Restoring throws a
   * {@link PipelineSettingsError} when `opts.config` differs from the snapshot's settings, and a
   * plain Error when the bytes are not a snapshot this build can read.
   */
  static create(opts: PipelineOptions, snapshot?: Uint8Array): Pipeline {
    const catalog = opts.catalog ?? DEFAULT_CATALOG;
    const capacity = opts.capacity ?? 16_384;
    if (!snapshot) {
      const config = resolvePipelineConfig(opts.config);
      const dicts = Object.fromEntries(DICTS.map((d) => [d, new Dictionary()])) as Dicts;
      return new Pipeline(opts.kernels, config, catalog, dicts, capacity);
    }
    const s = decodeSnapshot(snapshot);
    const config = storedPipelineConfig(s.config);
    if (opts.config !== undefined) {
      const changes = diffPipelineConfig(config, resolvePipelineConfig(opts.config));
      if (changes.length > 0) throw new PipelineSettingsError(changes);
    }
    const dicts = Object.fromEntries(DICTS.map((d, i) => [d, Dictionary.restore(s.dicts[i])])) as Dicts;
    return new Pipeline(opts.kernels, config, catalog, dicts, capacity, s);
  }

  /** Operator names, in late-bit order. */
  get opNames(): string[] {
    return this.lanes.flatMap((l) => l.ops.map((o) => o.name));
  }

  /** Operator names whose bits are set in a late mask. */
  lateOps(mask: number): string[] {
    return this.opNames.filter((_, k) => mask & (1 << k));
  }

  /** Appends a validated event to the current batch; returns its index, or -1 when the batch is full. */
  add(kind: TopicKind, event: ClickstreamEvent | TransactionEvent | OrderEvent, t: number, stream: string, readAt: number): number {
    if (this.batch.full) return -1;
    return this.builder.append(this.batch, kind, event, t, stream, readAt);
  }

  /**
   * Runs the current batch through watermarks and operators, then empties it. `now` is the wall
   * clock for idle-stream detection (bounded replays pass a constant so that no stream idles).
   */
  process(now: number): ProcessResult {
    const b = this.batch;
    const rows: OutputRow[] = [];
    this.late.fill(0, 0, b.n);
    for (const lane of this.lanes) lane.n = 0;
    for (let i = 0; i < b.n; i++) {
      const lane = this.lanes[b.topic[i] === TOPIC_ORDERS ? 1 : 0];
      const j = lane.n++;
      lane.stream[j] = b.stream[i];
      lane.t[j] = b.t[i];
      lane.idx[j] = i;
    }
    for (const lane of this.lanes) {
      if (lane.n === 0) continue;
      const wm = lane.tracker.process({ n: lane.n, stream: lane.stream, time: lane.t, now });
      for (let j = 0; j < lane.n; j++) this.wm[lane.idx[j]] = wm[j];
    }
    for (const lane of this.lanes) {
      if (lane.n === 0) continue;
      lane.ops.forEach((op, k) => op.ingest(b, this.wm, this.late, 1 << (lane.bitBase + k), rows));
    }
    let lateCount = 0;
    for (let i = 0; i < b.n; i++) if (this.late[i] !== 0) lateCount++;
    b.clear();
    return { rows, late: this.late, lateCount };
  }

  /** Closes what the current watermarks have passed; returns the final rows. */
  advance(): OutputRow[] {
    const out: OutputRow[] = [];
    for (const lane of this.lanes) {
      const wm = lane.tracker.value();
      if (wm === -Infinity) continue;
      for (const op of lane.ops) op.close(wm, out);
    }
    return out;
  }

  /** End of bounded input: every watermark jumps to +∞ and everything closes (SPEC). */
  finish(): OutputRow[] {
    for (const lane of this.lanes) lane.tracker.finish();
    this.finished = true;
    const out: OutputRow[] = [];
    for (const lane of this.lanes) for (const op of lane.ops) op.close(Infinity, out);
    return out;
  }

  /** Current partial rows of everything open (update mode); closes nothing. */
  peek(): OutputRow[] {
    const out: OutputRow[] = [];
    for (const lane of this.lanes) for (const op of lane.ops) op.peek(out);
    return out;
  }

  /** Watermarks of the two lanes (-Infinity before their first event). */
  watermarks(): { main: number; orders: number } {
    return { main: this.lanes[0].tracker.value(), orders: this.lanes[1].tracker.value() };
  }

  /** Open windows or sessions of the operator named `op` (0 when it keeps no count). */
  openCount(op: string): number {
    for (const lane of this.lanes) for (const o of lane.ops) if (o.name === op) return o.openCount?.() ?? 0;
    return 0;
  }

  /** Dictionary sizes (for state metrics and the console). */
  dictionarySizes(): Record<string, number> {
    return Object.fromEntries(DICTS.map((d) => [d, this.dicts[d].size]));
  }

  /**
   * One of the pipeline's dictionaries, for inputs that encode ids themselves (the web worker
   * applies the gateway's dictionary deltas to them: src/core/pipeline/frame-input.ts).
   */
  dictionary(name: (typeof DICTS)[number]): Dictionary {
    return this.dicts[name];
  }

  /** The catalog this pipeline enriches with. */
  get productCatalog(): Catalog {
    return this.catalog;
  }

  /** Every piece of state as bytes: config, dictionaries, watermarks, kernels. */
  snapshot(): Uint8Array {
    return encodeSnapshot({
      config: this.config,
      finished: this.finished,
      dicts: DICTS.map((d) => this.dicts[d].snapshot()),
      watermarks: this.lanes.map((l) => l.tracker.snapshot()),
      ops: this.lanes.flatMap((l) => l.ops.map((o) => o.snapshot())),
    });
  }

  /** Frees every kernel instance (WASM memory is reused by the next pipeline in the same core). */
  destroy(): void {
    for (const lane of this.lanes) {
      lane.tracker.destroy();
      for (const op of lane.ops) op.destroy();
    }
  }
}
