/**
 * The merge stage of a parallel run: the partial rows every upstream task wrote for the metrics
 * that merge ("merge" placement, src/core/merge/placement.ts), combined per metric, window and key
 * into the rows one runner writes, and released once the merged watermark has passed their close
 * point. The merged watermark of a group is the minimum over its upstream tasks' watermarks, as a
 * Kafka Streams task downstream of a repartition takes the minimum over its input partitions; a
 * task that is idle or has seen no event is left out (SPEC idle_timeout). Rows are keyed by task
 * so that a task's later partial replaces its earlier one (an idle task's provisional partial,
 * then its final one).
 */
import type { MetricDeclaration } from "../metrics/declaration";
import type { MetricRegistry } from "../metrics/registry";
import type { PipelineConfig } from "../pipeline/config";
import type { OutputRow } from "../pipeline/rows";
import { checkRules, mergeRows } from "./merge-rules";
import { type ContributionState, decodeMergeState, encodeMergeState, type GroupState } from "./merge-snapshot";
import { placementOf } from "./placement";

/** Options of a {@link MergeStore}. */
export interface MergeStoreOptions {
  /** The run's metrics. */
  registry: MetricRegistry;
  /** The run's settings (the declarations carry what closing needs, e.g. conversions' closeDelayMs). */
  config: PipelineConfig;
  /** Watermark group → number of upstream tasks (partition count of that group's input topics). */
  upstream: Record<string, number>;
}

interface Contribution {
  row: OutputRow;
  provisional: boolean;
}

/** One open merged row. */
interface Entry {
  id: string;
  decl: MetricDeclaration;
  end: number;
  closeAt: number;
  /** JSON of the key values: the last sort key of drains. */
  key: string;
  parts: Map<number, Contribution>;
}

interface TaskMark {
  wm: number;
  idle: boolean;
}

interface Group {
  tasks: number;
  marks: Map<number, TaskMark>;
  merged: number;
  /** The merged watermark at the last drain: a row closing at or before it has left. */
  drained: number;
  /** Open entries by close point. */
  open: Map<number, Map<string, Entry>>;
}

function byDrainOrder(a: Entry, b: Entry): number {
  return a.end - b.end || (a.decl.name < b.decl.name ? -1 : a.decl.name > b.decl.name ? 1 : 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** See the module comment. */
export class MergeStore {
  /** Contributions that came after their merged row had left (not emitted again). */
  lateRows = 0;
  readonly config: PipelineConfig;
  private readonly registry: MetricRegistry;
  private readonly groups = new Map<string, Group>();
  private readonly entries = new Map<string, Entry>();

  constructor(o: MergeStoreOptions, snapshot?: Uint8Array) {
    this.registry = o.registry;
    this.config = o.config;
    for (const [group, n] of Object.entries(o.upstream)) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`watermark group '${group}': the number of upstream tasks must be an integer >= 1, got ${n}`);
      this.groups.set(group, { tasks: n, marks: new Map(), merged: -Infinity, drained: -Infinity, open: new Map() });
    }
    for (const d of o.registry.metrics) {
      if (placementOf(d) !== "merge") continue;
      checkRules(d);
      if (d.window.kind !== "tumbling" && d.window.kind !== "sliding") throw new Error(`metric '${d.name}': only tumbling and sliding windows merge, not '${d.window.kind}'`);
      if (!this.groups.has(d.group)) throw new Error(`metric '${d.name}' belongs to watermark group '${d.group}', which has no upstream task count (give upstream['${d.group}'])`);
    }
    if (snapshot) this.restore(snapshot);
  }

  private group(name: string): Group {
    const g = this.groups.get(name);
    if (!g) throw new Error(`unknown watermark group '${name}' (upstream groups: ${[...this.groups.keys()].join(", ")})`);
    return g;
  }

  private checkTask(g: Group, name: string, task: number): void {
    if (!Number.isInteger(task) || task < 0 || task >= g.tasks) throw new RangeError(`task ${task} is not an upstream task of watermark group '${name}' (0 to ${g.tasks - 1})`);
  }

  /**
   * Upstream task `task`'s partial row for a "merge" metric. Replaces (upserts) that task's
   * earlier contribution to the same metric, window and key, except that a provisional row never
   * replaces a final one. `provisional`: an idle task's current partial of a still-open window.
   * Returns false when that merged row was already emitted (the contribution is then late:
   * counted in lateRows, not emitted again).
   */
  add(task: number, row: OutputRow, provisional = false): boolean {
    const decl = this.registry.get(row.metric);
    if (placementOf(decl) !== "merge") throw new Error(`metric '${decl.name}' is not merged across tasks (placement '${placementOf(decl)}')`);
    const g = this.group(decl.group);
    this.checkTask(g, decl.group, task);
    const start = row.window_start, end = row.window_end;
    if (typeof start !== "number" || typeof end !== "number") throw new Error(`a partial row of '${decl.name}' needs numeric window_start and window_end (epoch ms)`);
    const closeAt = end + (decl.closeDelayMs ?? 0);
    if (closeAt <= g.drained) {
      this.lateRows++;
      return false;
    }
    const key = JSON.stringify(decl.key.map((k) => row[k] ?? null));
    const id = `${decl.name}\u0000${start}\u0000${end}\u0000${key}`;
    let e = this.entries.get(id);
    if (!e) {
      e = { id, decl, end, closeAt, key, parts: new Map() };
      this.entries.set(id, e);
      let bucket = g.open.get(closeAt);
      if (!bucket) g.open.set(closeAt, (bucket = new Map()));
      bucket.set(id, e);
    }
    const had = e.parts.get(task);
    if (had && !had.provisional && provisional) return true;
    e.parts.set(task, { row, provisional });
    return true;
  }

  /**
   * Upstream task's watermark for `group`: -Infinity = has seen no event (left out of the
   * minimum); idle = left out of the minimum (SPEC idle_timeout). A task's watermark never moves
   * back, nor does the merged one.
   */
  watermark(task: number, group: string, wm: number, idle: boolean): void {
    const g = this.group(group);
    this.checkTask(g, group, task);
    if (Number.isNaN(wm)) throw new RangeError(`task ${task} reported a NaN watermark for group '${group}'`);
    const had = g.marks.get(task);
    g.marks.set(task, { wm: had ? Math.max(had.wm, wm) : wm, idle });
    if (g.marks.size < g.tasks) return;
    let min = Infinity;
    let any = false;
    for (const m of g.marks.values()) {
      if (m.idle || m.wm === -Infinity) continue;
      any = true;
      if (m.wm < min) min = m.wm;
    }
    // Every task idle or silent: the watermark holds, as a single runner's does.
    if (any && min > g.merged) g.merged = min;
  }

  /**
   * Final merged rows whose close point the merged watermark has passed, removed from the store,
   * ordered by window end, metric, key. A group's merged watermark is -Infinity until every
   * upstream task of it has reported at least once.
   */
  drain(): OutputRow[] {
    const out: Entry[] = [];
    for (const g of this.groups.values()) {
      g.drained = g.merged;
      for (const [closeAt, bucket] of g.open) {
        if (closeAt > g.merged) continue;
        for (const e of bucket.values()) {
          out.push(e);
          this.entries.delete(e.id);
        }
        g.open.delete(closeAt);
      }
    }
    return out.sort(byDrainOrder).map((e) => this.merged(e));
  }

  private merged(e: Entry): OutputRow {
    const tasks = [...e.parts.keys()].sort((a, b) => a - b);
    return mergeRows(e.decl, tasks.map((t) => e.parts.get(t)!.row));
  }

  /** Merged watermark per group. */
  watermarks(): Record<string, number> {
    return Object.fromEntries([...this.groups].map(([name, g]) => [name, g.merged]));
  }

  /** Current merged rows of everything still open (update mode), in drain order. */
  peek(): OutputRow[] {
    return [...this.entries.values()].sort(byDrainOrder).map((e) => this.merged(e));
  }

  /** Open merged rows (for state metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** Everything the store holds as bytes; the constructor takes them back. */
  snapshot(): Uint8Array {
    const groups: GroupState[] = [...this.groups].map(([group, g]) => ({
      group,
      merged: g.merged,
      drained: g.drained,
      tasks: [...g.marks].map(([task, m]) => ({ task, wm: m.wm, idle: m.idle })),
    }));
    const contributions: ContributionState[] = [];
    for (const e of this.entries.values()) for (const [task, c] of e.parts) contributions.push({ task, provisional: c.provisional, row: c.row });
    return encodeMergeState({ lateRows: this.lateRows, groups, contributions });
  }

  private restore(bytes: Uint8Array): void {
    const s = decodeMergeState(bytes);
    this.lateRows = s.lateRows;
    for (const gs of s.groups) {
      const g = this.group(gs.group);
      for (const t of gs.tasks) this.checkTask(g, gs.group, t.task);
      g.merged = gs.merged;
      g.drained = gs.drained;
      g.marks = new Map(gs.tasks.map((t) => [t.task, { wm: t.wm, idle: t.idle }]));
    }
    // Re-adding cannot find them late: each was open when the snapshot was taken.
    const late = this.lateRows;
    for (const c of s.contributions) this.add(c.task, c.row, c.provisional);
    this.lateRows = late;
  }
}
