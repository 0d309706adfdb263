/**
 * Bench suite of the session-window kernel (sessions, 30-min gap) for the WASM kernel, the JS
 * port and the TS reference.
 *
 * The stream: 200 events per second of event time; users come and go: at any time 1/8 of the
 * `keys` users are active (a window over the id space that moves on every 10^6 / keys events),
 * so each user has a ~10-minute burst and then an hour or more of silence, and sessions open,
 * grow and close. Times out of order by up to 2 s, 0.2% of events 40 min old (late with the
 * SPEC default 5-min delay); 60% views, 3% purchases (1 to 1,000 EUR in cents). One input
 * stream, so wm[i] = (max time before i) - delay; the watermark after each batch closes sessions.
 */
import type { BenchCase, BenchRunner, BenchSuite, ImplName, MemoryReport } from "../suite";
import { instantiateCore } from "../../src/core/wasm";
import { WasmSession, type SessionKernel, type SessionRows } from "../../src/core/kernels/session";
import { ReferenceSession } from "../../src/core/reference/session";
import { JsPortSession } from "../ports/session-js";

const VARIANT = "per user, gap 30m";
const DELAY_MS = 300_000;
const EVENTS_PER_SEC = 200;
const T0 = Date.UTC(2026, 0, 1);

/** Deterministic event stream (xorshift32); call fill() for batches 0, 1, 2, ... in order. */
export class SessionStream {
  private s = 0x2545f491;
  private seq = 0;
  private maxT = -Infinity;
  private readonly step: number;
  private readonly active: number;
  constructor(readonly keys: number) {
    this.step = Math.max(1, Math.floor(1e6 / keys));
    this.active = Math.max(1, Math.floor(keys / 8));
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
  fill(n: number, user: Uint32Array, time: Float64Array, kind: Uint8Array, amount: Float64Array, wm: Float64Array): number {
    for (let i = 0; i < n; i++) {
      const seq = this.seq++;
      const base = T0 + Math.floor((seq * 1000) / EVENTS_PER_SEC);
      let t = base - Math.floor(this.rnd() * 2000);
      if (this.rnd() < 0.002) t = base - 40 * 60_000;
      wm[i] = this.maxT - DELAY_MS;
      if (t > this.maxT) this.maxT = t;
      time[i] = t;
      user[i] = (Math.floor(seq / this.step) + Math.floor(this.rnd() * this.active)) % this.keys;
      const r = this.rnd();
      kind[i] = r < 0.03 ? 2 : r < 0.63 ? 1 : 0;
      amount[i] = r < 0.03 ? 100 + Math.floor(this.rnd() * 99_900) : 0;
    }
    return this.maxT - DELAY_MS;
  }
}

/** Running FNV digest of late indices and rows, folded untimed. */
class Digest {
  h = 0x811c9dc5;
  rows = 0;
  late = 0;
  private mix(x: number): void {
    this.h = Math.imul(this.h ^ (x >>> 0), 0x01000193);
    this.h = Math.imul(this.h ^ Math.floor(x / 4294967296), 0x01000193);
  }
  fold(late: Uint32Array, r: SessionRows): void {
    for (let i = 0; i < late.length; i++) this.mix(late[i]!);
    this.late += late.length;
    for (let i = 0; i < r.n; i++) {
      this.mix(r.user[i]!);
      this.mix(r.start[i]!);
      this.mix(r.end[i]!);
      this.mix(r.events[i]!);
      this.mix(r.views[i]!);
      this.mix(r.purchases[i]!);
      this.mix(r.revenue[i]!);
    }
    this.rows += r.n;
  }
  toString(): string {
    return `${(this.h >>> 0).toString(16)}/${this.rows}rows/${this.late}late`;
  }
}

function peekDigest(r: SessionRows): string {
  const d = new Digest();
  d.fold(new Uint32Array(0), r);
  return d.toString();
}

async function create(impl: ImplName, c: BenchCase): Promise<BenchRunner> {
  const n = c.batchSize;
  const gen = new SessionStream(c.keys);
  const digest = new Digest();
  let wmAfter = -Infinity;
  let pending: [Uint32Array, SessionRows] | undefined;
  const fold = (): void => {
    if (pending) digest.fold(pending[0], pending[1]);
    pending = undefined;
  };
  if (impl === "wasm") {
    const core = await instantiateCore();
    const w = WasmSession.create(core, {}, { batchCap: n });
    return {
      prepare() {
        fold();
        const ins = w.inputs();
        wmAfter = gen.fill(n, ins.user, ins.time, ins.kind, ins.amount, ins.wm);
      },
      run() {
        const late = w.processInPlace(n);
        pending = [late, w.advance(wmAfter)];
        return n;
      },
      digest: () => (fold(), `${digest} peek:${peekDigest(w.peek())}`),
      dispose: () => w.destroy(),
    };
  }
  const k: SessionKernel = impl === "js-port" ? new JsPortSession({}, { batchCap: n }) : new ReferenceSession();
  const batch = { n, user: new Uint32Array(n), time: new Float64Array(n), kind: new Uint8Array(n), amount: new Float64Array(n), wm: new Float64Array(n) };
  return {
    prepare() {
      fold();
      wmAfter = gen.fill(n, batch.user, batch.time, batch.kind, batch.amount, batch.wm);
    },
    run() {
      const late = k.process(batch);
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
  const w = WasmSession.create(core, {}, { batchCap: n });
  const gen = new SessionStream(keys);
  const batches = Math.ceil(events / n), warm = Math.ceil(batches * 0.3);
  let rows = 0, bytesAfterWarmup = 0;
  for (let b = 0; b < batches; b++) {
    const ins = w.inputs();
    const wm = gen.fill(n, ins.user, ins.time, ins.kind, ins.amount, ins.wm);
    w.processInPlace(n);
    rows += w.advance(wm).n;
    if (b === warm - 1) bytesAfterWarmup = core.memory.buffer.byteLength;
  }
  const report = { variant: VARIANT, events: batches * n, keys, bytesAfterWarmup, bytesAtEnd: core.memory.buffer.byteLength, rows, openAtEnd: w.openSessions() };
  w.destroy();
  return [report];
}

const suite: BenchSuite = {
  kernel: "session",
  variants: [VARIANT],
  create,
  targets: [
    { variant: VARIANT, batchSize: 65_536, keys: 1_000, minEventsPerSec: 50e6 },
    { variant: VARIANT, batchSize: 65_536, keys: 100_000, minEventsPerSec: 50e6 },
  ],
  memoryCheck,
};
export default suite;
