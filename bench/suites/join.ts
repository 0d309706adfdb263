/**
 * Bench suite of the conversions interval join (clicks → transactions within 10 min, 1-min
 * click windows) for the WASM kernel, the JS port and the TS reference.
 *
 * The stream, at a realistic click→purchase density: 1,000 events per second of event time,
 * 97% clicks (users uniform over 100k, products uniform over `keys`), 3% purchases, each of
 * a (user, product) clicked 0 to 12 minutes earlier (sampled from the recent clicks), so most
 * purchases convert a click and some come too late to. Times out of order by up to 2 s, 0.5%
 * of events 30 min old (late with the SPEC default 5-min delay). One input stream, so
 * wm[i] = (max time before i) - delay; the watermark after each batch finalises rows.
 */
import type { BenchCase, BenchRunner, BenchSuite, ImplName, MemoryReport } from "../suite";
import { instantiateCore } from "../../src/core/wasm";
import { WasmJoin, type ConversionRows, type JoinKernel } from "../../src/core/kernels/join";
import { ReferenceJoin } from "../../src/core/reference/join";
import { JsPortJoin } from "../ports/join-js";

const VARIANT = "clicks→purchases, 10m horizon";
const DELAY_MS = 300_000;
const EVENTS_PER_SEC = 1_000;
const USERS = 100_000;
const T0 = Date.UTC(2026, 0, 1);
const RING = 16_384; // sampled recent clicks: every 64th click, ~17 min at this rate
const RECENT = 11_250; // ~12 min of sampled clicks

/** Deterministic event stream (xorshift32); call fill() for batches 0, 1, 2, ... in order. */
export class JoinStream {
  private s = 0x2545f491;
  private seq = 0;
  private clicks = 0;
  private maxT = -Infinity;
  private readonly ringUser = new Uint32Array(RING);
  private readonly ringProduct = new Uint32Array(RING);
  constructor(readonly keys: number) {}
  private rnd(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x;
    return (x >>> 0) / 4294967296;
  }
  /** Writes n events; returns the watermark after them. */
  fill(n: number, kind: Uint8Array, user: Uint32Array, product: Uint32Array, time: Float64Array, wm: Float64Array): number {
    for (let i = 0; i < n; i++) {
      const base = T0 + Math.floor((this.seq++ * 1000) / EVENTS_PER_SEC);
      let t = base - Math.floor(this.rnd() * 2000);
      if (this.rnd() < 0.005) t = base - 30 * 60_000;
      wm[i] = this.maxT - DELAY_MS;
      if (t > this.maxT) this.maxT = t;
      time[i] = t;
      const sampled = Math.floor(this.clicks / 64);
      if (sampled > 0 && this.rnd() < 0.03) {
        const j = (sampled - 1 - Math.floor(this.rnd() * Math.min(sampled, RECENT))) & (RING - 1);
        kind[i] = 1;
        user[i] = this.ringUser[j]!;
        product[i] = this.ringProduct[j]!;
      } else {
        kind[i] = 0;
        user[i] = Math.floor(this.rnd() * USERS);
        product[i] = Math.floor(this.rnd() * this.keys);
        if (this.clicks % 64 === 0) {
          const j = (this.clicks / 64) & (RING - 1);
          this.ringUser[j] = user[i]!;
          this.ringProduct[j] = product[i]!;
        }
        this.clicks++;
      }
    }
    return this.maxT - DELAY_MS;
  }
}

/** Running FNV digest of late indices and rows, folded untimed. */
class Digest {
  h = 0x811c9dc5;
  rows = 0;
  late = 0;
  converted = 0;
  private mix(x: number): void {
    this.h = Math.imul(this.h ^ (x >>> 0), 0x01000193);
    this.h = Math.imul(this.h ^ Math.floor(x / 4294967296), 0x01000193);
  }
  fold(late: Uint32Array, r: ConversionRows): void {
    for (let i = 0; i < late.length; i++) this.mix(late[i]!);
    this.late += late.length;
    for (let i = 0; i < r.n; i++) {
      this.mix(r.product[i]!);
      this.mix(r.start[i]!);
      this.mix(r.clicks[i]!);
      this.mix(r.converted[i]!);
      this.converted += r.converted[i]!;
    }
    this.rows += r.n;
  }
  toString(): string {
    return `${(this.h >>> 0).toString(16)}/${this.rows}rows/${this.converted}conv/${this.late}late`;
  }
}

function peekDigest(r: ConversionRows): string {
  const d = new Digest();
  d.fold(new Uint32Array(0), r);
  return d.toString();
}

async function create(impl: ImplName, c: BenchCase): Promise<BenchRunner> {
  const n = c.batchSize;
  const gen = new JoinStream(c.keys);
  const digest = new Digest();
  let wmAfter = -Infinity;
  let pending: [Uint32Array, ConversionRows] | undefined;
  const fold = (): void => {
    if (pending) digest.fold(pending[0], pending[1]);
    pending = undefined;
  };
  let k: JoinKernel;
  let w: WasmJoin | undefined;
  const scratch = { n, kind: new Uint8Array(n), user: new Uint32Array(n), product: new Uint32Array(n), time: new Float64Array(n), wm: new Float64Array(n) };
  if (impl === "wasm") {
    w = WasmJoin.create(await instantiateCore(), {}, { batchCap: n });
    k = w;
  } else {
    k = impl === "js-port" ? new JsPortJoin({}, { batchCap: n }) : new ReferenceJoin();
  }
  if (w) {
    const wasm = w;
    return {
      prepare() {
        fold();
        const ins = wasm.inputs();
        wmAfter = gen.fill(n, ins.kind, ins.user, ins.product, ins.time, ins.wm);
      },
      run() {
        const late = wasm.processInPlace(n);
        pending = [late, wasm.advance(wmAfter)];
        return n;
      },
      digest: () => (fold(), `${digest} peek:${peekDigest(wasm.peek())}`),
      dispose: () => wasm.destroy(),
    };
  }
  return {
    prepare() {
      fold();
      wmAfter = gen.fill(n, scratch.kind, scratch.user, scratch.product, scratch.time, scratch.wm);
    },
    run() {
      const late = k.process(scratch);
      pending = [late, k.advance(wmAfter)];
      return n;
    },
    digest: () => (fold(), `${digest} peek:${peekDigest(k.peek())}`),
    dispose: () => k.destroy(),
  };
}

async function memoryCheck(events: number): Promise<MemoryReport[]> {
  const n = 65_536, keys = 100_000;
  const core = await instantiateCore();
  const w = WasmJoin.create(core, {}, { batchCap: n });
  const gen = new JoinStream(keys);
  const batches = Math.ceil(events / n), warm = Math.ceil(batches * 0.3);
  let rows = 0, bytesAfterWarmup = 0;
  for (let b = 0; b < batches; b++) {
    const ins = w.inputs();
    const wm = gen.fill(n, ins.kind, ins.user, ins.product, ins.time, ins.wm);
    w.processInPlace(n);
    rows += w.advance(wm).n;
    if (b === warm - 1) bytesAfterWarmup = core.memory.buffer.byteLength;
  }
  const report = { variant: VARIANT, events: batches * n, keys, bytesAfterWarmup, bytesAtEnd: core.memory.buffer.byteLength, rows, openAtEnd: w.openEntries() };
  w.destroy();
  return [report];
}

const suite: BenchSuite = {
  kernel: "join",
  variants: [VARIANT],
  create,
  targets: [
    { variant: VARIANT, batchSize: 65_536, keys: 1_000, minEventsPerSec: 20e6 },
    { variant: VARIANT, batchSize: 65_536, keys: 100_000, minEventsPerSec: 20e6 },
  ],
  memoryCheck,
};
export default suite;
