import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { instantiateCore, type CoreExports } from "../../src/core/wasm";
import {
  SESSION_AGG_MISSING_ID as NONE, WasmSessionAgg, sessionAggRowsToObjects, type SessionAggKernel, type SessionAggOptions, type SessionAggRow,
} from "../../src/core/kernels/session-agg";
import { ReferenceSessionAgg } from "../../src/core/reference/session-agg";

let core: CoreExports;
let other: CoreExports;
beforeAll(async () => {
  core = await instantiateCore();
  other = await instantiateCore();
});

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

interface Stream {
  opts: Required<SessionAggOptions>;
  n: number;
  key: Uint32Array;
  time: Float64Array;
  values: Float64Array[];
  distinct: Uint32Array[];
  /** Watermark before each event: max earlier event time − delay (monotone). */
  wm: Float64Array;
  /** Watermark after events 0..i: what advance() gets after a batch ending at i. */
  wmAfter: Float64Array;
}

/** Values whose sums depend on the order of addition, missing ones and plain numbers. */
const value = fc.oneof(
  fc.constantFrom(NaN, NaN, Infinity, 0.1, 0.2, 0.3, 1e16, -1e16, -0),
  fc.integer({ min: -1e9, max: 1e9 }).map((x) => x / 7),
  fc.double({ noNaN: true, min: -1e12, max: 1e12 }),
);
const id = fc.oneof(fc.constant(NONE), fc.integer({ min: 0, max: 12 }), fc.constant(0xfffffffe));

/**
 * Random keys (a few, so sessions meet), times drifting forward with out-of-order jitter up to
 * ±3 gaps (sessions split, merge and go late), some exactly one gap after the key's previous
 * event; random numbers of value and distinct columns.
 */
const stream = fc
  .record({
    gap: fc.constantFrom(1, 7, 1_000, 30 * MIN),
    nValues: fc.integer({ min: 0, max: 3 }),
    nDistinct: fc.integer({ min: 0, max: 2 }),
    delayGaps: fc.constantFrom(0, 0.5, 1, 2),
    events: fc.array(
      fc.record({
        key: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 300 })),
        step: fc.double({ min: 0, max: 0.5, noNaN: true }),
        jitter: fc.double({ min: -3, max: 3, noNaN: true }),
        exactGap: fc.boolean(),
        values: fc.array(value, { minLength: 3, maxLength: 3 }),
        ids: fc.array(id, { minLength: 2, maxLength: 2 }),
      }),
      { maxLength: 300, size: "max" },
    ),
  })
  .map(({ gap, nValues, nDistinct, delayGaps, events }): Stream => {
    const n = events.length;
    const s: Stream = {
      opts: { gapMs: gap, nValues, nDistinct }, n, key: new Uint32Array(n), time: new Float64Array(n),
      values: Array.from({ length: nValues }, () => new Float64Array(n)), distinct: Array.from({ length: nDistinct }, () => new Uint32Array(n)),
      wm: new Float64Array(n), wmAfter: new Float64Array(n),
    };
    let clock = T0, max = -Infinity;
    const last = new Map<number, number>();
    events.forEach((e, i) => {
      clock += Math.round(e.step * gap);
      const prev = last.get(e.key);
      const t = e.exactGap && prev !== undefined ? prev + gap : clock + Math.round(e.jitter * gap);
      last.set(e.key, t);
      s.key[i] = e.key;
      s.time[i] = t;
      s.values.forEach((col, j) => (col[i] = e.values[j]!));
      s.distinct.forEach((col, d) => (col[i] = e.ids[d]!));
      s.wm[i] = max - Math.round(delayGaps * gap);
      max = Math.max(max, t);
      s.wmAfter[i] = max - Math.round(delayGaps * gap);
    });
    return s;
  });
const cuts = fc.array(fc.nat(), { maxLength: 8 });

interface Result {
  late: number[];
  /** Rows of each advance, in emission order, and the open-session count after it. */
  batches: (SessionAggRow[] | number)[];
}

/** Runs the stream cut into batches (advance after each), optionally snapshot/restore at a cut. */
function run(k: SessionAggKernel, s: Stream, cs: number[], snapshotAt = -1, restore?: (b: Uint8Array) => SessionAggKernel): Result {
  const bounds = [...new Set([0, ...cs.map((c) => c % (s.n + 1)), s.n])].sort((a, b) => a - b);
  const res: Result = { late: [], batches: [] };
  for (let b = 0; b + 1 < bounds.length; b++) {
    const [from, to] = [bounds[b]!, bounds[b + 1]!];
    if (from === snapshotAt && restore) {
      const bytes = k.snapshot();
      k.destroy();
      k = restore(bytes);
    }
    const sub = <T extends Float64Array | Uint32Array>(a: T) => a.subarray(from, to) as T;
    const late = k.process({ n: to - from, key: sub(s.key), time: sub(s.time), values: s.values.map(sub), distinct: s.distinct.map(sub), wm: sub(s.wm) });
    res.late.push(...Array.from(late, (i) => i + from));
    res.batches.push(sessionAggRowsToObjects(k.advance(s.wmAfter[to - 1]!)), k.openSessions());
  }
  res.batches.push(sessionAggRowsToObjects(k.advance(Infinity)));
  expect(k.openSessions()).toBe(0);
  k.destroy();
  return res;
}

const all = (r: Result) => r.batches.filter((b): b is SessionAggRow[] => typeof b !== "number").flat().sort((a, b) => a.key - b.key || a.start - b.start);
const wasm = (s: Stream, batchCap = 16) => WasmSessionAgg.create(core, s.opts, { batchCap });

describe("session aggregates: wasm == reference", () => {
  it("same late events and the same rows (sums bit for bit) in the same order, batch by batch", () => {
    const seen = { rows: 0, late: 0, merged: 0, distinct: 0 };
    fc.assert(
      fc.property(stream, cuts, (s, cs) => {
        const ref = run(new ReferenceSessionAgg(s.opts), s, cs);
        expect(run(wasm(s), s, cs)).toStrictEqual(ref);
        const rows = all(ref);
        seen.rows += rows.length;
        seen.late += ref.late.length;
        seen.merged += rows.filter((r) => r.events > 2).length;
        seen.distinct += rows.filter((r) => r.distinct.some((d) => d > 1)).length;
      }),
      { numRuns: 300 },
    );
    expect(seen.rows).toBeGreaterThan(1000);
    expect(seen.late).toBeGreaterThan(100);
    expect(seen.merged).toBeGreaterThan(100);
    expect(seen.distinct).toBeGreaterThan(100);
  });

  it("results do not depend on batch boundaries", () => {
    fc.assert(
      fc.property(stream, cuts, cuts, (s, a, b) => {
        const x = run(wasm(s, 300), s, a);
        const y = run(wasm(s, 7), s, b);
        expect(y.late).toStrictEqual(x.late);
        expect(all(y)).toStrictEqual(all(x));
      }),
      { numRuns: 150 },
    );
  });

  it("snapshot after any prefix, restore into a fresh core, the rest == no snapshot", () => {
    fc.assert(
      fc.property(stream, cuts, fc.nat(), (s, cs, at) => {
        const cut = at % (s.n + 1);
        const whole = run(wasm(s), s, [...cs, cut]);
        const resumed = run(wasm(s), s, [...cs, cut], cut, (b) => WasmSessionAgg.restore(other, b));
        expect(resumed).toStrictEqual(whole);
        const ref = run(new ReferenceSessionAgg(s.opts), s, [...cs, cut], cut, (b) => ReferenceSessionAgg.restore(b));
        expect(ref).toStrictEqual(whole);
      }),
      { numRuns: 150 },
    );
  });

  it("peek shows the reference's open sessions at any point", () => {
    fc.assert(
      fc.property(stream, fc.nat(), (s, at) => {
        const cut = at % (s.n + 1);
        const ref = new ReferenceSessionAgg(s.opts);
        const w = wasm(s, 512);
        for (const k of [ref, w]) {
          k.process({ n: cut, key: s.key, time: s.time, values: s.values, distinct: s.distinct, wm: s.wm });
          if (cut > 0) k.advance(s.wmAfter[cut - 1]!);
        }
        expect(sessionAggRowsToObjects(w.peek())).toStrictEqual(sessionAggRowsToObjects(ref.peek()));
        expect(w.openSessions()).toBe(ref.openSessions());
        w.destroy();
      }),
      { numRuns: 150 },
    );
  });
});
