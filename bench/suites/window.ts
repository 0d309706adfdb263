/**
 * Bench suite of the window kernel: tumbling 1 min count+sum (product_activity / page_views),
 * sliding 5 min every 1 min count+sum (category_revenue), tumbling 1 min count+distinct
 * (active users), each for the WASM kernel, the JS port and the TS reference.
 *
 * The stream: 6,500 events per second of event time (a 64k batch spans ~10 s, a 1-min window
 * holds ~390k events), times out of order by up to 2 s, 0.5% of events 10 min old (late with
 * the SPEC default 5-min delay), keys uniform over `keys`, amounts 1..100 EUR in cents, users
 * uniform over 100k. One input stream, so wm[i] = (max time before i) - delay; the watermark
 * after each batch closes windows as the stream advances.
 */
import type { BenchCase, BenchRunner, BenchSuite, ImplName, MemoryReport } from "../suite";
import { instantiateCore } from "../../src/core/wasm";
import { createWindow, type WindowAggregate, type WindowBatch, type WindowRows, type WindowSpec } from "../../src/core/kernels/window";
import { ReferenceWindow } from "../../src/core/reference/window";
import { JsPortWindow } from "../ports/window-js";

const VARIANTS: Record<string, WindowSpec> = {
  "tumbling 1m count+sum": { sizeMs: 60_000, sum: true },
  "sliding 5m/1m count+sum": { sizeMs: 300_000, slideMs: 60_000, sum: true },
  "tumbling 1m count+distinct": { sizeMs: 60_000, distinct: true },
};
const DELAY_MS = 300_000;
const EVENTS_PER_SEC = 6_500;
const T0 = Date.UTC(2026, 0, 1);

/** Deterministic event stream (xorshift32); call fill() for batches 0, 1, 2, ... in order. */
export class WindowStream {
  private s: number;
  private seq = 0;
  private maxT = -Infinity;
  constructor(
    readonly keys: number,
    seed = 0x2545f491,
    readonly eventsPerSec = EVENTS_PER_SEC,
  ) {
    this.s = seed | 0 || 1;
  }
  private rnd(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x;
    return (x >>> 0) / 4294967296;
  }
  /** Writes n events; returns the watermark after them. */
  fill(n: number, time: Float64Array, key: Uint32Array, value: Float64Array, distinct: Uint32Array, wm: Float64Array): number {
    for (let i = 0; i < n; i++) {
      const base = T0 + Math.floor((this.seq++ * 1000) / this.eventsPerSec);
      let t = base - Math.floor(this.rnd() * 2000);
      if (this.rnd() < 0.005) t = base - 600_000;
      wm[i] = this.maxT - DELAY_MS;
      if (t > this.maxT) this.maxT = t;
      time[i] = t;
      key[i] = Math.floor(this.rnd() * this.keys);
      value[i] = 100 + Math.floor(this.rnd() * 9_900);
      distinct[i] = Math.floor(this.rnd() * 100_000);
    }
    return this.maxT - DELAY_MS;
  }
}

/** Running digest of rows and late indices (folded untimed, before the next batch). */
class Digest {
  h = 0x811c9dc5;
  rows = 0;
  late = 0;
  private mix(x: number): void {
    this.h = Math.imul(this.h ^ (x >>> 0), 0x01000193);
    this.h = Math.imul(this.h ^ Math.floor(x / 4294967296), 0x01000193);
  }
  fold(late: Uint32Array, r: WindowRows): void {
    for (let i = 0; i < late.length; i++) this.mix(late[i]!);
    this.late += late.length;
    for (let i = 0; i < r.n; i++) {
      this.mix(r.end[i]!);
      this.mix(r.key[i]!);
      this.mix(r.count[i]!);
      this.mix(r.sum[i]!);
      this.mix(r.distinct[i]!);
    }
    this.rows += r.n;
  }
  toString(): string {
    return `${(this.h >>> 0).toString(16)}/${this.rows}rows/${this.late}late`;
  }
}

/** Digest of the partial rows of open windows (so short runs compare state, not just output). */
function peekDigest(r: WindowRows): string {
  const d = new Digest();
  d.fold(new Uint32Array(0), r);
  return d.toString();
}

async function create(impl: ImplName, c: BenchCase): Promise<BenchRunner> {
  const spec = VARIANTS[c.variant];
  if (!spec) throw new Error(`unknown window variant ${c.variant}`);
  const n = c.batchSize;
  const gen = new WindowStream(c.keys);
  const digest = new Digest();
  let wmAfter = -Infinity;
  if (impl === "wasm") {
    const core = await instantiateCore();
    const w = createWindow(core, spec, { batchCap: n, keyCapHint: c.keys });
    let late = -1, rows = 0;
    const fold = (): void => {
      if (late >= 0) digest.fold(w.lateIndices(late), w.outputRows(rows));
      late = -1;
    };
    return {
      prepare() {
        fold();
        const ins = w.inputs();
        wmAfter = gen.fill(n, ins.time, ins.key, ins.value, ins.distinct, ins.wm);
      },
      run() {
        late = w.processInPlace(n);
        rows = w.advanceCount(wmAfter);
        return n;
      },
      digest: () => {
        fold();
        return `${digest} peek:${peekDigest(w.peek())}`;
      },
      dispose: () => w.destroy(),
    };
  }
  const agg: WindowAggregate = impl === "js-port" ? new JsPortWindow(spec, { batchCap: n, keyCapHint: c.keys }) : new ReferenceWindow(spec);
  const batch: WindowBatch & { time: Float64Array; key: Uint32Array; value: Float64Array; distinct: Uint32Array; wm: Float64Array } = {
    n,
    time: new Float64Array(n),
    key: new Uint32Array(n),
    value: new Float64Array(n),
    distinct: new Uint32Array(n),
    wm: new Float64Array(n),
  };
  let pending: [Uint32Array, WindowRows] | undefined;
  const fold = (): void => {
    if (pending) digest.fold(pending[0], pending[1]);
    pending = undefined;
  };
  return {
    prepare() {
      fold();
      wmAfter = gen.fill(n, batch.time, batch.key, batch.value, batch.distinct, batch.wm);
    },
    run() {
      const late = agg.process(batch);
      pending = [late, agg.advance(wmAfter)];
      return n;
    },
    digest: () => {
      fold();
      return `${digest} peek:${peekDigest(agg.peek())}`;
    },
    dispose: () => agg.destroy(),
  };
}

async function memoryCheck(events: number): Promise<MemoryReport[]> {
  const out: MemoryReport[] = [];
  const n = 65_536, keys = 100_000;
  for (const [variant, spec] of Object.entries(VARIANTS)) {
    const core = await instantiateCore();
    const w = createWindow(core, spec, { batchCap: n, keyCapHint: 1024 });
    const gen = new WindowStream(keys);
    const batches = Math.ceil(events / n), warm = Math.ceil(batches * 0.3);
    let rows = 0, bytesAfterWarmup = 0;
    for (let b = 0; b < batches; b++) {
      const ins = w.inputs();
      const wm = gen.fill(n, ins.time, ins.key, ins.value, ins.distinct, ins.wm);
      w.processInPlace(n);
      rows += w.advanceCount(wm);
      if (b === warm - 1) bytesAfterWarmup = core.memory.buffer.byteLength;
    }
    out.push({ variant, events: batches * n, keys, bytesAfterWarmup, bytesAtEnd: core.memory.buffer.byteLength, rows, openAtEnd: w.openWindows() });
    w.destroy();
  }
  return out;
}

const suite: BenchSuite = {
  kernel: "window",
  variants: Object.keys(VARIANTS),
  create,
  targets: [
    { variant: "tumbling 1m count+sum", batchSize: 65_536, keys: 1_000, minEventsPerSec: 200e6, minVsJsPort: 1.0 },
    { variant: "sliding 5m/1m count+sum", batchSize: 65_536, keys: 1_000, minEventsPerSec: 60e6 },
  ],
  memoryCheck,
};
export default suite;
