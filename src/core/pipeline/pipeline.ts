/**
 * The pipeline, isomorphic: validated events in (columnar, {@link EventBatch}), watermarks,
 * every metric's operator, final and update rows out, snapshot/restore of everything. The Node
 * runner and the browser worker both drive it; `wasmKernels(core)` and `referenceKernels()` make
 * the same pipeline run on eddy.wasm or on the reference oracle.
 *
 * Which metrics run comes from one registry (src/core/metrics/registry.ts): the SPEC pack plus
 * any user-defined metrics. Each watermark group is a lane with its own watermark, as the seeds
 * run separate jobs: clickstream + transactions feed every SPEC metric but the orders ones,
 * orders feed those, and each declared input is a group of its own (so a quiet or absent topic
 * never holds the other windows open, idle timeout or not).
 */
import { type Catalog, categoryOf, DEFAULT_CATALOG, productName } from "../catalog";
import { Dictionary } from "../dictionary";
import { MAIN_GROUP } from "../metrics/builtin-pack";
import { MetricRegistry } from "../metrics/registry";
import type { UserMetrics } from "../metrics/user/definition";
import { ACTIONS } from "../events";
import { type BatchColumn, FieldColumns } from "../metrics/user/field-columns";
import { BatchBuilder, EventBatch } from "./batch";
import { diffPipelineConfig, type PipelineConfig, PipelineSettingsError, resolvePipelineConfig, storedPipelineConfig } from "./config";
import type { KernelFactory } from "./kernel-factory";
import { buildLanes, type Lane, pipelineInputs, type PipelineInput } from "./lanes";
import type { MetricOp, OpContext } from "./metrics/op";
import { definitionFingerprint } from "./operators";
import type { OutputRow } from "./rows";
import { decodeSnapshot, encodeSnapshot, type SnapshotParts } from "./snapshot";

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
  /** User-defined metrics (validated), run beside the built-in ones. */
  user?: UserMetrics;
  /** Built-in metrics to run (default: all). */
  builtins?: readonly string[];
  /**
   * A task of a parallel run: final (and peeked) rows of the metrics that merge across tasks
   * carry the hidden `__` fields their merge needs (src/core/merge/merge-rules.ts); other rows
   * are unchanged. A snapshot restores only into a pipeline with the same setting.
   */
  partials?: boolean;
}

/** A restored user metric whose definition changed: its state cannot be reused. */
export class MetricDefinitionChangedError extends Error {
  override name = "MetricDefinitionChangedError";
  constructor(readonly metrics: string[]) {
    super(`the snapshot holds state of ${metrics.map((m) => `'${m}'`).join(", ")} computed under another definition`);
  }
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

/** Dictionaries of the pipeline; `values` holds the strings of user-defined metrics' fields. */
const DICTS = ["users", "products", "categories", "urls", "streams", "values"] as const;
type DictName = (typeof DICTS)[number];
type Dicts = Record<DictName, Dictionary>;

/** See the module comment. */
export class Pipeline {
  readonly batch: EventBatch;
  readonly registry: MetricRegistry;
  readonly inputs: readonly PipelineInput[];
  /** `add` runs per event: its input lookup is a map, not a scan. */
  private readonly inputByName: ReadonlyMap<string, PipelineInput>;
  private readonly builder: BatchBuilder;
  /** The user metrics' decoded fields (`add` fills them; so does frame-fields.ts from frames). */
  readonly fieldColumns: FieldColumns;
  private readonly lanes: Lane[];
  /** Operator name (as declared) → operator. */
  private readonly operators: Map<string, MetricOp>;
  private readonly laneOfCode: Uint8Array;
  private readonly wm: Float64Array;
  private readonly late: Uint32Array;
  /** Metrics whose rows leave; undefined = every row (nothing deselected). */
  private readonly keep: Set<string> | undefined;
  private readonly definitions: Record<string, string>;
  private finished = false;

  private constructor(
    readonly kernels: KernelFactory,
    readonly config: PipelineConfig,
    private readonly catalog: Catalog,
    private readonly dicts: Dicts,
    capacity: number,
    /** The user-defined metrics this pipeline runs. */
    readonly user: UserMetrics,
    builtins: readonly string[] | undefined,
    readonly partials: boolean,
    snap?: SnapshotParts,
  ) {
    this.registry = MetricRegistry.forRun(config, user, builtins);
    this.inputs = pipelineInputs(user.inputs);
    this.inputByName = new Map(this.inputs.map((i) => [i.name, i]));
    this.batch = new EventBatch(capacity);
    this.builder = new BatchBuilder(dicts, (p) => categoryOf(catalog, p));
    // SPEC string fields the batch encodes anyway: user metrics read those columns as they are.
    const actions = new Dictionary();
    for (const a of ACTIONS) actions.encode(a); // ids = the batch's action codes
    const shared = new Map<string, BatchColumn>([
      ["user_id", { ids: this.batch.user, dict: dicts.users }],
      ["product_id", { ids: this.batch.product, dict: dicts.products }],
      ["category", { ids: this.batch.category, dict: dicts.categories }],
      ["url", { ids: this.batch.url, dict: dicts.urls }],
      ["action", { ids: this.batch.action, dict: actions }],
    ]);
    this.fieldColumns = new FieldColumns(user.metrics, capacity, dicts.values, (_, path) => shared.get(path));
    this.wm = new Float64Array(capacity);
    this.late = new Uint32Array(capacity);
    this.definitions = Object.fromEntries(user.metrics.map((m) => [m.name, definitionFingerprint(m)]));
    const ctx: OpContext = {
      config,
      kernels,
      users: dicts.users,
      products: dicts.products,
      categories: dicts.categories,
      urls: dicts.urls,
      productName: (id) => productName(catalog, id) ?? null,
      capacity,
      partials,
    };
    const wmSpec = { delayMs: config.watermarkDelayMs, idleTimeoutMs: config.idleTimeoutMs };
    ({ lanes: this.lanes, operators: this.operators } = buildLanes({
      registry: this.registry,
      user: user.metrics,
      inputs: this.inputs,
      ctx,
      columns: this.fieldColumns,
      values: dicts.values,
      tracker: (g) => kernels.watermark(wmSpec, snap?.watermarks.get(g)),
      states: (op) => snap?.ops.get(op),
    }));
    this.laneOfCode = new Uint8Array(this.inputs.length);
    for (const i of this.inputs) this.laneOfCode[i.code] = this.lanes.findIndex((l) => l.group === i.group);
    // An operator may compute metrics that were not selected (activity computes page_views too).
    this.keep = this.registry.allBuiltins ? undefined : new Set(this.registry.names);
    this.finished = snap?.finished ?? false;
  }

  /**
   * A new pipeline, or one restored from {@link Pipeline.snapshot} bytes. Restoring throws a
   * {@link PipelineSettingsError} when `opts.config` differs from the snapshot's settings, a
   * {@link MetricDefinitionChangedError} when a user metric's definition changed, and a plain
   * Error when the bytes are not a snapshot this build can read.
   */
  static create(opts: PipelineOptions, snapshot?: Uint8Array): Pipeline {
    const catalog = opts.catalog ?? DEFAULT_CATALOG;
    const capacity = opts.capacity ?? 16_384;
    const user = opts.user ?? { inputs: [], metrics: [] };
    if (!snapshot) {
      const config = resolvePipelineConfig(opts.config);
      const dicts = Object.fromEntries(DICTS.map((d) => [d, new Dictionary()])) as Dicts;
      return new Pipeline(opts.kernels, config, catalog, dicts, capacity, user, opts.builtins, opts.partials ?? false);
    }
    const s = decodeSnapshot(snapshot);
    const config = storedPipelineConfig(s.config);
    if (opts.config !== undefined) {
      const changes = diffPipelineConfig(config, resolvePipelineConfig(opts.config));
      if (changes.length > 0) throw new PipelineSettingsError(changes);
    }
    const changed = user.metrics.filter((m) => s.definitions[m.name] !== undefined && s.definitions[m.name] !== definitionFingerprint(m)).map((m) => m.name);
    if (changed.length > 0) throw new MetricDefinitionChangedError(changed);
    // Partial rows need state a single runner does not keep (count_distinct values), and back.
    if (s.partials !== (opts.partials ?? false)) {
      throw new Error(s.partials ? "the snapshot was written by a task of a parallel run (partial rows): restore it with partials" : "the snapshot was written by a single runner: a task of a parallel run (partial rows) cannot restore it");
    }
    const dicts = Object.fromEntries(
      DICTS.map((d) => {
        const b = s.dicts.get(d);
        return [d, b ? Dictionary.restore(b) : new Dictionary()];
      }),
    ) as Dicts;
    return new Pipeline(opts.kernels, config, catalog, dicts, capacity, user, opts.builtins, s.partials, s);
  }

  /** Operator names, in late-bit order. */
  get opNames(): string[] {
    return this.lanes.flatMap((l) => l.ops.map((o) => o.name));
  }

  /** Operator names whose bits are set in a late mask. */
  lateOps(mask: number): string[] {
    return this.opNames.filter((_, k) => mask & (1 << k));
  }

  /** The input named `name` (a SPEC topic kind or a declared input), if this pipeline reads it. */
  input(name: string): PipelineInput | undefined {
    return this.inputByName.get(name);
  }

  /**
   * Appends a validated event of `input` to the current batch; returns its index, or -1 when the
   * batch is full. SPEC inputs take their typed event, declared inputs their JSON object.
   */
  add(input: string, event: object, t: number, stream: string, readAt: number): number {
    if (this.batch.full) return -1;
    const inp = this.input(input);
    if (!inp) throw new Error(`'${input}' is not an input of this pipeline`);
    if (inp.kind) {
      const i = this.builder.append(this.batch, inp.kind, event as never, t, stream, readAt);
      if (this.fieldColumns.reads(input)) this.fieldColumns.fill(input, i, event, { t, category: this.dicts.categories.decode(this.batch.category[i]) });
      return i;
    }
    const i = this.builder.appendOther(this.batch, inp.code, t, stream, readAt);
    this.fieldColumns.fill(input, i, event);
    return i;
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
      const lane = this.lanes[this.laneOfCode[b.topic[i]]];
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
    return { rows: this.selected(rows), late: this.late, lateCount };
  }

  private selected(rows: OutputRow[]): OutputRow[] {
    const keep = this.keep;
    return keep ? rows.filter((r) => keep.has(r.metric)) : rows;
  }

  /** Closes what the current watermarks have passed; returns the final rows. */
  advance(): OutputRow[] {
    const out: OutputRow[] = [];
    for (const lane of this.lanes) {
      const wm = lane.tracker.value();
      if (wm === -Infinity) continue;
      for (const op of lane.ops) op.close(wm, out);
    }
    return this.selected(out);
  }

  /** End of bounded input: every watermark jumps to +∞ and everything closes (SPEC). */
  finish(): OutputRow[] {
    for (const lane of this.lanes) lane.tracker.finish();
    this.finished = true;
    const out: OutputRow[] = [];
    for (const lane of this.lanes) for (const op of lane.ops) op.close(Infinity, out);
    return this.selected(out);
  }

  /** Current partial rows of everything open (update mode); closes nothing. */
  peek(): OutputRow[] {
    const out: OutputRow[] = [];
    for (const lane of this.lanes) for (const op of lane.ops) op.peek(out);
    return this.selected(out);
  }

  /** Watermark per group (-Infinity before its first event); `main` and `orders` are always there. */
  watermarks(): Record<string, number> & { main: number; orders: number } {
    const out: Record<string, number> = {};
    for (const lane of this.lanes) out[lane.group] = lane.tracker.value();
    return out as Record<string, number> & { main: number; orders: number };
  }

  /** The watermark of the group `input` belongs to. */
  watermarkOf(input: string): number {
    const inp = this.input(input);
    const lane = this.lanes.find((l) => l.group === (inp?.group ?? MAIN_GROUP));
    return lane ? lane.tracker.value() : -Infinity;
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
  dictionary(name: DictName): Dictionary {
    return this.dicts[name];
  }

  /** The catalog this pipeline enriches with. */
  get productCatalog(): Catalog {
    return this.catalog;
  }

  /** Every piece of state as bytes, by name: settings, dictionaries, watermarks, operators. */
  snapshot(): Uint8Array {
    const ops = new Map<string, Map<string, Uint8Array>>();
    for (const [operator, op] of this.operators) ops.set(operator, op.states());
    return encodeSnapshot({
      config: this.config,
      finished: this.finished,
      partials: this.partials,
      definitions: this.definitions,
      dicts: new Map(DICTS.map((d) => [d, this.dicts[d].snapshot()])),
      watermarks: new Map(this.lanes.map((l) => [l.group, l.tracker.snapshot()])),
      ops,
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
