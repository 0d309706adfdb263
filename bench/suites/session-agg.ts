/**
 * Bench suite of the keyed session aggregate kernel (user-defined metrics with a session
 * window), on the SAME events as the SPEC session suite (bench/suites/session.ts: users as
 * keys, 30-min gap): one value column (the transaction amount, missing for clickstream events),
 * no distinct column, which is the SPEC session's revenue / purchases in the general kernel.
 *
 * The three implementations: "wasm" = this kernel; "ts-reference" = its reference; "js-port" =
 * the hand-tuned JS port of the SPEC session kernel (bench/ports/session-js.ts), the same
 * session algorithm with fixed aggregates, since this kernel has no port of its own. Their
 * digests cover key, start, end, events, the values present (= purchases) and their sum
 * (= revenue), so they must agree.
 *
 * compare(): the same 1M events through the SPEC session kernel and this one, batch by batch.
 */
import type { BenchCase, BenchRunner, BenchSuite, ComparisonReport, ImplName, MemoryReport } from "../suite";
import { instantiateCore } from "../../src/core/wasm";
import { WasmSession, type SessionRows } from "../../src/core/kernels/session";
import { WasmSessionAgg, type SessionAggKernel, type SessionAggRows } from "../../src/core/kernels/session-agg";
import { ReferenceSessionAgg } from "../../src/core/reference/session-agg";
import { JsPortSession } from "../ports/session-js";
import { SessionStream } from "./session";
import { median } from "../report";

const VARIANT = "per user, gap 30m, 1 value";
const OPTS = { gapMs: 30 * 60_000, nValues: 1, nDistinct: 0 };
const PURCHASE = 2;

/** Fills batch columns from the SPEC session stream; the amount is missing (NaN) unless a purchase. */
function fill(gen: SessionStream, n: number, key: Uint32Array, time: Float64Array, value: Float64Array, wm: Float64Array, kind: Uint8Array): number {
  const wmAfter = gen.fill(n, key, time, kind, value, wm);
  for (let i = 0; i < n; i++) if (kind[i] !== PURCHASE) value[i] = NaN;
  return wmAfter;
}

/** Running FNV digest of late indices and (key, start, end, events, present, sum), folded untimed. */
class Digest {
  h = 0x811c9dc5;
  rows = 0;
  late = 0;
  private mix(x: number): void {
    this.h = Math.imul(this.h ^ (x >>> 0), 0x01000193);
    this.h = Math.imul(this.h ^ Math.floor(x / 4294967296), 0x01000193);
  }
  fold(late: Uint32Array, r: SessionAggRows | SessionRows): void {
    for (let i = 0; i < late.length; i++) this.mix(late[i]!);
    this.late += late.length;
    const agg = "key" in r;
    for (let i = 0; i < r.n; i++) {
      this.mix(agg ? r.key[i]! : r.user[i]!);
      this.mix(r.start[i]!);
      this.mix(r.end[i]!);
      this.mix(r.events[i]!);
      this.mix(agg ? r.values[0]!.present[i]! : r.purchases[i]!);
      this.mix(agg ? r.values[0]!.sum[i]! : r.revenue[i]!);
    }
    this.rows += r.n;
  }
  toString(): string {
    return `${(this.h >>> 0).toString(16)}/${this.rows}rows/${this.late}late`;
  }
}

function peekDigest(r: SessionAggRows | SessionRows): string {
  const d = new Digest();
  d.fold(new Uint32Array(0), r);
  return d.toString();
}

async function create(impl: ImplName, c: BenchCase): Promise<BenchRunner> {
  const n = c.batchSize;
  const gen = new SessionStream(c.keys);
  const digest = new Digest();
  const kind = new Uint8Array(n);
  let wmAfter = -Infinity;
  let pending: [Uint32Array, SessionAggRows | SessionRows] | undefined;
  const fold = (): void => {
    if (pending) digest.fold(pending[0], pending[1]);
    pending = undefined;
  };
  if (impl === "wasm") {
    const w = WasmSessionAgg.create(await instantiateCore(), OPTS, { batchCap: n });
    return {
      prepare() {
        fold();
        const ins = w.inputs();
        wmAfter = fill(gen, n, ins.key, ins.time, ins.values[0]!, ins.wm, kind);
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
  const b = { n, key: new Uint32Array(n), time: new Float64Array(n), value: new Float64Array(n), amount: new Float64Array(n), wm: new Float64Array(n) };
  if (impl === "js-port") {
    const k = new JsPortSession(OPTS, { batchCap: n });
    return {
      prepare() {
        fold();
        wmAfter = gen.fill(n, b.key, b.time, kind, b.amount, b.wm);
      },
      run() {
        const late = k.process({ n, user: b.key, time: b.time, kind, amount: b.amount, wm: b.wm });
        pending = [late, k.advance(wmAfter)];
        return n;
      },
      digest: () => (fold(), `${digest} peek:${peekDigest(k.peek())}`),
      dispose: () => k.destroy(),
    };
  }
  const k: SessionAggKernel = new ReferenceSessionAgg(OPTS);
  return {
    prepare() {
      fold();
      wmAfter = fill(gen, n, b.key, b.time, b.value, b.wm, kind);
    },
    run() {
      const late = k.process({ n, key: b.key, time: b.time, values: [b.value], wm: b.wm });
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
  const w = WasmSessionAgg.create(core, OPTS, { batchCap: n });
  const gen = new SessionStream(keys);
  const kind = new Uint8Array(n);
  const batches = Math.ceil(events / n), warm = Math.ceil(batches * 0.3);
  let rows = 0, bytesAfterWarmup = 0;
  for (let b = 0; b < batches; b++) {
    const ins = w.inputs();
    const wm = fill(gen, n, ins.key, ins.time, ins.values[0]!, ins.wm, kind);
    w.processInPlace(n);
    rows += w.advance(wm).n;
    if (b === warm - 1) bytesAfterWarmup = core.memory.buffer.byteLength;
  }
  const report = { variant: VARIANT, events: batches * n, keys, bytesAfterWarmup, bytesAtEnd: core.memory.buffer.byteLength, rows, openAtEnd: w.openSessions() };
  w.destroy();
  return [report];
}

/**
 * `events` events (batches of 64k, the last one partial) through the SPEC session kernel and
 * through this kernel, each batch through both back to back in alternating order; both start
 * with 3 untimed warm-up batches of the same stream. Checks they emit the same sessions.
 */
async function compare(events: number): Promise<ComparisonReport[]> {
  const out: ComparisonReport[] = [];
  const cap = 65_536, warm = 3;
  for (const keys of [1_000, 100_000]) {
    const spec = WasmSession.create(await instantiateCore(), {}, { batchCap: cap });
    const agg = WasmSessionAgg.create(await instantiateCore(), OPTS, { batchCap: cap });
    const genA = new SessionStream(keys), genB = new SessionStream(keys);
    const kind = new Uint8Array(cap);
    const rates: [number[], number[]] = [[], []], ratios: number[] = [];
    const dA = new Digest(), dB = new Digest();
    let done = 0;
    for (let b = 0; done < events; b++) {
      const n = b < warm ? cap : Math.min(cap, events - done);
      const si = spec.inputs(), ai = agg.inputs();
      const wmA = genA.fill(n, si.user, si.time, si.kind, si.amount, si.wm);
      const wmB = fill(genB, n, ai.key, ai.time, ai.values[0]!, ai.wm, kind);
      const dt = [0, 0];
      for (const which of b % 2 ? [1, 0] : [0, 1]) {
        const t0 = process.hrtime.bigint();
        if (which === 0) {
          const late = spec.processInPlace(n);
          dA.fold(late, spec.advance(wmA));
        } else {
          const late = agg.processInPlace(n);
          dB.fold(late, agg.advance(wmB));
        }
        dt[which] = Number(process.hrtime.bigint() - t0) / 1e9;
      }
      if (b < warm) continue;
      rates[0].push(n / dt[0]!);
      rates[1].push(n / dt[1]!);
      ratios.push(dt[0]! / dt[1]!);
      done += n;
    }
    if (String(dA) !== String(dB)) throw new Error(`session-agg compare: the kernels disagree (${dA} vs ${dB})`);
    spec.destroy();
    agg.destroy();
    out.push({
      variant: VARIANT, events, keys, batchSize: cap,
      rates: { "session (SPEC kernel)": median(rates[0]), "session-agg": median(rates[1]) },
      medianRatio: median(ratios), ratioOf: "session-agg speed / session speed",
    });
  }
  return out;
}

const suite: BenchSuite = {
  kernel: "session-agg",
  variants: [VARIANT],
  create,
  memoryCheck,
  compare,
};
export default suite;
