import { beforeAll, describe, expect, it } from "vitest";
import { instantiateCore, type CoreExports } from "../../src/core/wasm";
import {
  SESSION_AGG_MISSING_ID as NONE, WasmSessionAgg, sessionAggRowsToObjects, type SessionAggKernel, type SessionAggOptions, type SessionAggRow,
} from "../../src/core/kernels/session-agg";
import { KernelError } from "../../src/core/kernels/memory";
import { WasmSession } from "../../src/core/kernels/session";
import { ReferenceSessionAgg } from "../../src/core/reference/session-agg";

let core: CoreExports;
let other: CoreExports;
beforeAll(async () => {
  core = await instantiateCore();
  other = await instantiateCore();
});

const MIN = 60_000;
const GAP = 30 * MIN;
const T0 = Date.UTC(2026, 0, 1, 10);
const OPTS: SessionAggOptions = { gapMs: GAP, nValues: 2, nDistinct: 2 };

interface Impl {
  make(o?: SessionAggOptions): SessionAggKernel;
  restore(bytes: Uint8Array): SessionAggKernel;
}
const impls: [string, Impl][] = [
  ["reference", { make: (o = OPTS) => new ReferenceSessionAgg(o), restore: (b) => ReferenceSessionAgg.restore(b) }],
  ["wasm", { make: (o = OPTS) => WasmSessionAgg.create(core, o, { batchCap: 4 }), restore: (b) => WasmSessionAgg.restore(other, b) }],
];

interface Ev {
  k?: number;
  t: number;
  /** Values of columns 0 and 1 (NaN = missing). */
  v?: [number, number];
  /** Ids of distinct columns 0 and 1. */
  d?: [number, number];
  wm?: number;
}

function push(s: SessionAggKernel, evs: Ev[]): number[] {
  return Array.from(s.process({
    n: evs.length,
    key: Uint32Array.from(evs, (e) => e.k ?? 0),
    time: Float64Array.from(evs, (e) => e.t),
    values: [0, 1].map((j) => Float64Array.from(evs, (e) => e.v?.[j] ?? NaN)),
    distinct: [0, 1].map((j) => Uint32Array.from(evs, (e) => e.d?.[j] ?? NONE)),
    wm: Float64Array.from(evs, (e) => e.wm ?? -Infinity),
  }));
}

const advance = (s: SessionAggKernel, wm: number): SessionAggRow[] => {
  const rows = sessionAggRowsToObjects(s.advance(wm));
  expect(rows).toEqual([...rows].sort((a, b) => a.end - b.end || a.key - b.key));
  return rows;
};
const agg = (values: number[]) => {
  const xs = values.filter(Number.isFinite);
  return { present: xs.length, sum: xs.reduce((a, b) => a + b, 0), min: xs.length ? Math.min(...xs) : NaN, max: xs.length ? Math.max(...xs) : NaN };
};
/** A row computed by hand: first and last event time, event count, the values of each column, distinct counts. */
const row = (key: number, first: number, last: number, events: number, v0: number[] = [], v1: number[] = [], distinct = [0, 0]): SessionAggRow => ({
  key, start: first, end: last + GAP, events, values: [agg(v0), agg(v1)], distinct,
});

describe.each(impls)("session aggregates (%s)", (_name, impl) => {
  it("a gap of exactly `gap` starts a new session, 1 ms less does not", () => {
    const s = impl.make();
    push(s, [{ t: T0 }, { t: T0 + GAP }, { k: 1, t: T0 }, { k: 1, t: T0 + GAP - 1 }]);
    expect(advance(s, Infinity)).toEqual([row(0, T0, T0, 1), row(1, T0, T0 + GAP - 1, 2), row(0, T0 + GAP, T0 + GAP, 1)]);
  });

  it("aggregates values and skips missing ones (NaN, infinities); min and max are NaN with none", () => {
    const s = impl.make();
    push(s, [{ t: T0, v: [2.5, NaN] }, { t: T0 + MIN, v: [NaN, NaN] }, { t: T0 + 2 * MIN, v: [-1, Infinity] }, { t: T0 + 3 * MIN, v: [4, -Infinity] }]);
    expect(advance(s, Infinity)).toEqual([row(0, T0, T0 + 3 * MIN, 4, [2.5, -1, 4], [])]);
  });

  it("counts distinct ids exactly, skipping the missing id", () => {
    const s = impl.make();
    push(s, [{ t: T0, d: [7, NONE] }, { t: T0 + 1, d: [7, 0] }, { t: T0 + 2, d: [8, 0] }, { t: T0 + 3, d: [NONE, 0xfffffffe] }]);
    expect(advance(s, Infinity)).toEqual([row(0, T0, T0 + 3, 4, [], [], [2, 2])]);
  });

  it("merges sessions an out-of-order event bridges, with their values and distinct sets", () => {
    const s = impl.make();
    push(s, [
      { t: T0, v: [1, 10], d: [1, 5] }, { t: T0 + 5 * MIN, v: [2, NaN], d: [2, 5] },
      { t: T0 + 40 * MIN, v: [3, 30], d: [2, 6] }, { t: T0 + 45 * MIN, v: [NaN, 40], d: [3, NONE] },
      { t: T0 + 90 * MIN, v: [100, 100], d: [9, 9] }, // a third session, not bridged
    ]);
    expect(s.openSessions()).toBe(3);
    push(s, [{ t: T0 + 22 * MIN, v: [4, NaN], d: [1, 7] }]);
    expect(s.openSessions()).toBe(2);
    expect(advance(s, Infinity)).toEqual([
      row(0, T0, T0 + 45 * MIN, 5, [1, 2, 3, 4], [10, 30, 40], [3, 3]),
      row(0, T0 + 90 * MIN, T0 + 90 * MIN, 1, [100], [100], [1, 1]),
    ]);
  });

  it("an event is late when t + gap <= wm (or t is not finite), and changes nothing", () => {
    const s = impl.make();
    const late = push(s, [{ t: T0, wm: T0 + GAP, v: [5, 5], d: [1, 1] }, { t: T0 + 1, wm: T0 + GAP }, { t: NaN }, { t: -Infinity }]);
    expect(late).toEqual([0, 2, 3]);
    expect(advance(s, Infinity)).toEqual([row(0, T0 + 1, T0 + 1, 1)]);
  });

  it("closes a session once the watermark reaches last + gap, and keeps keys apart", () => {
    const s = impl.make();
    push(s, [{ k: 3, t: T0 }, { k: 2, t: T0 + MIN }, { k: 3, t: T0 + 10 * MIN }]);
    expect(advance(s, T0 + MIN + GAP - 1)).toEqual([]);
    expect(advance(s, T0 + MIN + GAP)).toEqual([row(2, T0 + MIN, T0 + MIN, 1)]);
    expect(sessionAggRowsToObjects(s.peek())).toEqual([row(3, T0, T0 + 10 * MIN, 2)]);
    expect(advance(s, T0 + 10 * MIN + GAP)).toEqual([row(3, T0, T0 + 10 * MIN, 2)]);
    expect(s.openSessions()).toBe(0);
  });

  it("an on-time event after its session closed starts a new one, with or without advance() between", () => {
    const evs: Ev[] = [{ t: T0, v: [1, 1] }, { t: T0 + 10 * MIN, wm: T0 + GAP, v: [2, 2] }];
    const expected = [row(0, T0, T0, 1, [1], [1]), row(0, T0 + 10 * MIN, T0 + 10 * MIN, 1, [2], [2])];
    const one = impl.make();
    expect(push(one, evs)).toEqual([]);
    expect(advance(one, Infinity)).toEqual(expected);
    const two = impl.make();
    push(two, evs.slice(0, 1));
    const first = advance(two, T0 + GAP);
    push(two, evs.slice(1));
    expect([...first, ...advance(two, Infinity)]).toEqual(expected);
  });

  it("works without value or distinct columns", () => {
    const s = impl.make({ gapMs: 1000 });
    expect(Array.from(s.process({ n: 3, key: [1, 1, 0], time: [0, 999, 5], wm: -Infinity }))).toEqual([]);
    expect(sessionAggRowsToObjects(s.advance(Infinity))).toEqual([
      { key: 0, start: 5, end: 1005, events: 1, values: [], distinct: [] },
      { key: 1, start: 0, end: 1999, events: 2, values: [], distinct: [] },
    ]);
  });

  it("restores a snapshot into a fresh instance and continues identically", () => {
    const evs: Ev[] = [
      { t: T0, v: [0.1, 1], d: [1, 2] }, { k: 1, t: T0 + MIN, v: [0.2, NaN], d: [3, NONE] },
      { t: T0 + 20 * MIN, v: [0.3, 3], d: [1, 4] }, { k: 1, t: T0 + 20 * MIN, v: [1e16, -1e16], d: [3, 3] },
      { t: T0 + 90 * MIN, wm: T0 + 72 * MIN }, // closes key 0's first session: detached, awaiting advance
      { t: T0 + 20 * MIN, v: [0.7, NaN], d: [5, 2], wm: T0 + 72 * MIN }, // late
    ];
    const whole = impl.make();
    expect(push(whole, evs)).toEqual([5]);
    const expected = advance(whole, Infinity);
    for (let cut = 0; cut <= evs.length; cut++) {
      const first = impl.make();
      push(first, evs.slice(0, cut));
      const second = impl.restore(first.snapshot());
      first.destroy();
      push(second, evs.slice(cut));
      expect(advance(second, Infinity)).toEqual(expected);
    }
    expect(expected).toEqual([
      row(0, T0, T0 + 20 * MIN, 2, [0.1, 0.3], [1, 3], [1, 2]),
      row(1, T0 + MIN, T0 + 20 * MIN, 2, [0.2, 1e16], [-1e16], [1, 1]),
      row(0, T0 + 90 * MIN, T0 + 90 * MIN, 1),
    ]);
  });
});

describe("session aggregates, WASM kernel", () => {
  it("splits pushes larger than the batch capacity and offsets late indices", () => {
    const w = WasmSessionAgg.create(core, OPTS, { batchCap: 3 });
    const evs: Ev[] = Array.from({ length: 10 }, (_, i) => ({ k: i % 2, t: T0 + i * MIN, v: [i, NaN], wm: i === 7 ? T0 + 40 * MIN : -Infinity }));
    expect(push(w, evs)).toEqual([7]);
    expect(advance(w, Infinity).map((r) => [r.events, r.values[0]!.sum])).toEqual([[5, 20], [4, 18]]);
    w.destroy();
  });

  it("rejects bad options, a key beyond 2^28 (whole batch), damaged and foreign snapshots, dead handles", () => {
    expect(() => WasmSessionAgg.create(core, { gapMs: 0 })).toThrow(/gap/);
    expect(() => WasmSessionAgg.create(core, { gapMs: GAP, nValues: 9 })).toThrow(/nValues/);
    expect(() => WasmSessionAgg.create(core, { gapMs: GAP, nDistinct: 5 })).toThrow(/nDistinct/);
    expect((core.session_agg_create as (g: number, v: number, d: number, c: number) => number)(GAP, 0, 0, 0)).toBe(-7);
    const w = WasmSessionAgg.create(core, OPTS);
    push(w, [{ t: T0, v: [1, 2], d: [3, 4] }]);
    expect(() => w.process({ n: 2, key: [1, 2 ** 28], time: [T0, T0], wm: -Infinity })).toThrow(expect.objectContaining({ code: -8 }));
    expect(w.openSessions()).toBe(1);
    const bytes = w.snapshot();
    const bad = bytes.slice();
    bad[bad.length - 3]! ^= 1;
    expect(() => WasmSessionAgg.restore(other, bad)).toThrow(KernelError);
    expect(() => WasmSessionAgg.restore(other, bytes.subarray(0, 20))).toThrow(/corrupt|magic/);
    const session = WasmSession.create(core);
    expect(() => WasmSessionAgg.restore(other, session.snapshot())).toThrow(/another kernel kind/);
    session.destroy();
    const r = WasmSessionAgg.restore(other, bytes);
    expect(r.options).toEqual(OPTS);
    expect(sessionAggRowsToObjects(r.peek())).toEqual([row(0, T0, T0, 1, [1], [2], [1, 1])]);
    w.destroy();
    expect(() => w.process({ n: 0, key: [], time: [], wm: 0 })).toThrow(/handle/);
  });

  it("keeps linear memory flat with the watermark advancing, and equals the reference", () => {
    // 300k events: 2,000 keys in rotating bursts, ±5 min disorder, 0.5% an hour old (late),
    // distinct ids from a pool of 50 per key, watermark = max - 5 min
    let seed = 424242;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const n = 300_000, cap = 8192;
    const w = WasmSessionAgg.create(core, OPTS, { batchCap: cap });
    const ref = new ReferenceSessionAgg(OPTS);
    let max = -Infinity, bytesAfterWarmup = 0, rows = 0;
    for (let from = 0; from < n; from += cap) {
      const m = Math.min(cap, n - from);
      const b = { n: m, key: new Uint32Array(m), time: new Float64Array(m), values: [new Float64Array(m), new Float64Array(m)], distinct: [new Uint32Array(m), new Uint32Array(m)], wm: new Float64Array(m) };
      for (let i = 0; i < m; i++) {
        let t = T0 + (from + i) * 50 - Math.floor(rnd() * 300_000);
        if (rnd() < 0.005) t -= 3_600_000;
        b.wm[i] = max - 300_000;
        max = Math.max(max, t);
        b.time[i] = t;
        b.key[i] = (Math.floor((from + i) / 300) + Math.floor(rnd() * 300)) % 2000;
        b.values[0]![i] = rnd() < 0.2 ? NaN : Math.floor(rnd() * 1e6) / 100;
        b.values[1]![i] = rnd() * 1e6 - 5e5;
        b.distinct[0]![i] = rnd() < 0.1 ? NONE : Math.floor(rnd() * 50);
        b.distinct[1]![i] = b.key[i]! * 1000 + Math.floor(rnd() * 1000);
      }
      expect(Array.from(w.process(b))).toEqual(Array.from(ref.process(b)));
      const out = sessionAggRowsToObjects(w.advance(max - 300_000));
      expect(out).toEqual(sessionAggRowsToObjects(ref.advance(max - 300_000)));
      rows += out.length;
      if (from === 5 * cap) bytesAfterWarmup = core.memory.buffer.byteLength;
    }
    expect(w.openSessions()).toBe(ref.openSessions());
    expect(sessionAggRowsToObjects(w.advance(Infinity))).toEqual(sessionAggRowsToObjects(ref.advance(Infinity)));
    expect(rows).toBeGreaterThan(500);
    expect(core.memory.buffer.byteLength).toBe(bytesAfterWarmup);
    w.destroy();
  });
});
