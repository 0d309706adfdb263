/**
 * What every metric operator of the pipeline implements, and the scratch columns operators use
 * to gather the events they consume out of an {@link EventBatch} without allocating per event.
 */
import type { OutputRow } from "../rows";
import type { EventBatch } from "../batch";
import type { PipelineConfig } from "../config";
import type { KernelFactory } from "../kernel-factory";

/** Reads a dictionary id back as its string. */
export interface Decoder {
  decode(id: number): string;
}

/** What operators need besides their kernels. */
export interface OpContext {
  config: PipelineConfig;
  kernels: KernelFactory;
  users: Decoder;
  products: Decoder;
  categories: Decoder;
  urls: Decoder;
  /** Product name from the catalog (orders enrichment), or null. */
  productName(productId: string): string | null;
  /** Batch capacity: operators size their scratch columns to it. */
  capacity: number;
  /**
   * Rows of metrics that merge across tasks carry the hidden `__` fields their merge needs (a
   * task of a parallel run: src/core/merge/placement.ts).
   */
  partials: boolean;
}

/** A metric operator: one or more SPEC metrics over one or more kernel instances. */
export interface MetricOp {
  /** Label for late-event accounting (`late_events_total{metric}`). */
  readonly name: string;
  /**
   * Feeds the batch's relevant events. Sets `lateBit` in `late[i]` for each event i that was late
   * for this operator; rows that leave on arrival (anomalies) are appended to `out`.
   */
  ingest(b: EventBatch, wm: Float64Array, late: Uint32Array, lateBit: number, out: OutputRow[]): void;
  /** Appends the final rows of everything `wm` closes, in emission order. */
  close(wm: number, out: OutputRow[]): void;
  /** Appends the partial rows of everything open (update mode). */
  peek(out: OutputRow[]): void;
  /** Number of open windows/sessions holding state (for the console and metrics). */
  openCount?(): number;
  /** Its state by name (the names its declaration lists); the constructor takes the same map back. */
  states(): Map<string, Uint8Array>;
  destroy(): void;
}

/** Preallocated gather columns sized to the batch capacity. */
export class Scratch {
  n = 0;
  readonly idx: Uint32Array;
  readonly t: Float64Array;
  readonly key: Uint32Array;
  readonly key2: Uint32Array;
  readonly value: Float64Array;
  readonly kind: Uint8Array;
  readonly wm: Float64Array;

  constructor(capacity: number) {
    this.idx = new Uint32Array(capacity);
    this.t = new Float64Array(capacity);
    this.key = new Uint32Array(capacity);
    this.key2 = new Uint32Array(capacity);
    this.value = new Float64Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.wm = new Float64Array(capacity);
  }

  /** Appends event `i` of the batch with its time and watermark; returns the scratch slot. */
  take(b: EventBatch, wm: Float64Array, i: number): number {
    const j = this.n++;
    this.idx[j] = i;
    this.t[j] = b.t[i];
    this.wm[j] = wm[i];
    return j;
  }

  /** Marks the batch events behind the late scratch slots `lateSlots`. */
  markLate(lateSlots: ArrayLike<number>, late: Uint32Array, bit: number): void {
    for (let k = 0; k < lateSlots.length; k++) late[this.idx[lateSlots[k]]] |= bit;
  }
}

/** Named operator state as the constructors take it back (absent on a fresh start). */
export type OpStates = ReadonlyMap<string, Uint8Array>;

export { ratio } from "../../metrics/declaration";
