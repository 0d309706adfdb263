import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instantiateCore, type CoreExports } from "../../src/core/wasm";
import { createWindow, rowsToObjects, WasmWindow, type WindowRow, type WindowSpec } from "../../src/core/kernels/window";
import { createWatermark, WasmWatermark } from "../../src/core/kernels/watermark";
import { ReferenceWindow } from "../../src/core/reference/window";
import { ReferenceWatermark } from "../../src/core/reference/watermark";

let core: CoreExports;
let other: CoreExports;
beforeAll(async () => {
  core = await instantiateCore();
  other = await instantiateCore();
});

/** Totals over a whole property run: a run without rows or late events would prove little. */
const seen = { rows: 0, late: 0, overflows: 0 };
afterAll(() => {
  expect(seen.rows).toBeGreaterThan(0);
  expect(seen.late).toBeGreaterThan(0);
  expect(seen.overflows).toBeGreaterThan(0);
});

const anySpec = fc
  .record({
    slide: fc.constantFrom(1, 3, 10, 1_000, 60_000),
    per: fc.constantFrom(1, 1, 2, 3, 5),
    sum: fc.boolean(),
    floatSum: fc.boolean(),
    min: fc.boolean(),
    max: fc.boolean(),
    distinct: fc.boolean(),
  })
  .map(({ slide, per, floatSum, ...aggs }): WindowSpec => ({ sizeMs: slide * per, slideMs: slide, floatSum: floatSum && aggs.sum, ...aggs }));
/** Count(+sum) shapes run the kernel's specialised loops (tumbling fast path, panes): weigh them up. */
const countSumSpec = fc
  .record({ slide: fc.constantFrom(1, 10, 1_000, 60_000), per: fc.constantFrom(1, 2, 5), sum: fc.boolean(), floatSum: fc.boolean() })
  .map(({ slide, per, sum, floatSum }): WindowSpec => ({ sizeMs: slide * per, slideMs: slide, sum, floatSum: floatSum && sum }));
const specArb = fc.oneof(anySpec, countSumSpec);

/**
 * Values: mostly cents; doubles whose float sums depend on the order of addition; and huge
 * amounts (around 2^53, and beyond the i64 range) whose cents sums overflow. With at most 300
 * events, partial cents sums stay below 2^62, where kernel and reference agree exactly.
 */
const valueArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 100_000 }) },
  { weight: 3, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 3, arbitrary: fc.integer({ min: -1e9, max: 1e9 }).map((x) => x / 7) },
  { weight: 1, arbitrary: fc.constantFrom(0.1, 0.2, 1e16, -1e16, 2 ** 52 + 1, 2 ** 53, -(2 ** 53), 3e15, 1e300, -1e300, -0) },
);

interface Stream {
  time: Float64Array;
  key: Uint32Array;
  value: Float64Array;
  user: Uint32Array;
  source: Uint32Array;
}

/** Events around window boundaries (k * slide + {-1, 0, 1, anything}), drifting forward, out of order. */
function streamArb(scale: number) {
  return fc
    .record({
      // aligned origins put events and watermarks exactly on window boundaries
      origin: fc.oneof(fc.constant(0), fc.integer({ min: -100, max: 40_000_000 }).map((k) => k * 60_000), fc.integer({ min: -5_000_000, max: 2_000_000_000_000 })),
      events: fc.array(
        fc.record({
          step: fc.integer({ min: -4, max: 6 }),
          off: fc.oneof(fc.constantFrom(-1, 0, 1), fc.integer({ min: 0, max: 10 * scale })),
          key: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 40 })),
          value: valueArb,
          user: fc.integer({ min: 0, max: 4 }),
          source: fc.integer({ min: 0, max: 2 }),
        }),
        { maxLength: 300 },
      ),
    })
    .map(({ origin, events }): Stream => {
      let k = 0;
      const time = events.map((e) => {
        k += e.step;
        return origin + k * scale + e.off;
      });
      return {
        time: Float64Array.from(time),
        key: Uint32Array.from(events, (e) => e.key),
        value: Float64Array.from(events, (e) => e.value),
        user: Uint32Array.from(events, (e) => e.user),
        source: Uint32Array.from(events, (e) => e.source),
      };
    });
}

/** Streams at a random time scale (1 ms .. 1 min steps), so windows of every size see boundaries. */
const scaledStream = fc.constantFrom(1, 3, 10, 1_000, 60_000).chain((scale) => streamArb(scale));

const wmArb = fc.record({
  delayMs: fc.constantFrom(0, 1, 10, 1_000, 300_000),
  idleTimeoutMs: fc.constantFrom(0, 5, 50, Infinity),
  nowStep: fc.integer({ min: 0, max: 40 }),
});
const cutsArb = fc.array(fc.nat(), { maxLength: 8 });

function bounds(n: number, cuts: number[]): number[] {
  return [...new Set([0, ...cuts.map((c) => c % (n + 1)), n])].sort((a, b) => a - b);
}

function sub(s: Stream, from: number, to: number, wm: ArrayLike<number>) {
  return { n: to - from, time: s.time.subarray(from, to), key: s.key.subarray(from, to), value: s.value.subarray(from, to), distinct: s.user.subarray(from, to), wm };
}

describe("window + watermark kernels vs the reference", () => {
  it("produce the same watermarks, late events, final rows, partial rows and open windows", () => {
    fc.assert(
      fc.property(specArb, scaledStream, wmArb, cutsArb, (spec, s, wmSpec, cuts) => {
        const w = createWindow(core, spec, { batchCap: 64, keyCapHint: 2 });
        const r = new ReferenceWindow(spec);
        const wk = createWatermark(core, wmSpec, { batchCap: 64 });
        const wr = new ReferenceWatermark(wmSpec);
        const b = bounds(s.time.length, cuts);
        let now = 0;
        for (let i = 0; i + 1 < b.length; i++) {
          const [from, to] = [b[i]!, b[i + 1]!];
          now += wmSpec.nowStep;
          const batch = { n: to - from, stream: s.source.subarray(from, to), time: s.time.subarray(from, to), now };
          const col = wk.process(batch).slice();
          expect(col).toEqual(wr.process(batch));
          expect(wk.value()).toBe(wr.value());
          const late = [...w.process(sub(s, from, to, col))];
          expect(late).toEqual([...r.process(sub(s, from, to, col))]);
          seen.late += late.length;
          const rows = rowsToObjects(w.advance(wk.value()));
          expect(rows).toEqual(rowsToObjects(r.advance(wr.value())));
          expect(w.overflowRows()).toBe(r.overflowRows());
          seen.rows += rows.length;
          if (i % 2 === 1) {
            expect(rowsToObjects(w.peek())).toEqual(rowsToObjects(r.peek()));
            expect(w.openWindows()).toBe(r.openWindows());
          }
        }
        wk.finish();
        wr.finish();
        expect(rowsToObjects(w.advance(wk.value()))).toEqual(rowsToObjects(r.advance(wr.value())));
        expect(w.openWindows()).toBe(0);
        expect(w.overflowRows()).toBe(r.overflowRows());
        seen.overflows += r.overflowRows();
        w.destroy();
        wk.destroy();
      }),
      { numRuns: 300 },
    );
  });

  it("agree when watermarks land exactly on window ends (monotone columns built on boundaries)", () => {
    fc.assert(
      fc.property(specArb, streamArb(1), fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(-1, 0, 0, 1)), { maxLength: 300 }), cutsArb, (spec, s, steps, cuts) => {
        // watermarks at (multiple of the slide) + {-1, 0, 1}, never moving back, near the events
        const slide = spec.slideMs ?? spec.sizeMs;
        const n = s.time.length;
        const col = new Float64Array(n);
        let level = Math.floor((s.time[0] ?? 0) / slide) - 2, wm = -Infinity;
        for (let i = 0; i < n; i++) {
          const [up, off] = steps[i] ?? [0, 0];
          level += up;
          wm = Math.max(wm, level * slide + off);
          col[i] = i === 0 ? -Infinity : wm;
        }
        const w = createWindow(core, spec, { batchCap: 64 });
        const r = new ReferenceWindow(spec);
        const b = bounds(n, cuts);
        for (let i = 0; i + 1 < b.length; i++) {
          const [from, to] = [b[i]!, b[i + 1]!];
          expect([...w.process(sub(s, from, to, col.subarray(from, to)))]).toEqual([...r.process(sub(s, from, to, col.subarray(from, to)))]);
          const after = to < n ? col[to]! : wm;
          const rows = rowsToObjects(w.advance(after));
          expect(rows).toEqual(rowsToObjects(r.advance(after)));
          seen.rows += rows.length;
        }
        expect(rowsToObjects(w.advance(Infinity))).toEqual(rowsToObjects(r.advance(Infinity)));
        w.destroy();
      }),
      { numRuns: 300 },
    );
  });

  it("give the same rows whatever the batch boundaries (the watermark column decides)", () => {
    fc.assert(
      fc.property(specArb, streamArb(1_000), fc.constantFrom(0, 1_000, 5_000), cutsArb, cutsArb, (spec, s, delayMs, cutsA, cutsB) => {
        // one watermark column for the whole stream (one source, never idle)
        const col = new ReferenceWatermark({ delayMs, idleTimeoutMs: Infinity }).process({ n: s.time.length, stream: new Uint32Array(s.time.length), time: s.time, now: 0 });
        const run = (cuts: number[]) => {
          const w = createWindow(core, spec, { batchCap: 32 });
          const out: WindowRow[] = [];
          const late: number[] = [];
          const b = bounds(s.time.length, cuts);
          for (let i = 0; i + 1 < b.length; i++) {
            const [from, to] = [b[i]!, b[i + 1]!];
            late.push(...[...w.process(sub(s, from, to, col.subarray(from, to)))].map((x) => x + from));
            // the watermark after this chunk = the one in force before the next event
            out.push(...rowsToObjects(w.advance(to < s.time.length ? col[to]! : -Infinity)));
          }
          out.push(...rowsToObjects(w.advance(Infinity)));
          w.destroy();
          return { out, late };
        };
        expect(run(cutsA)).toEqual(run(cutsB));
      }),
      { numRuns: 150 },
    );
  });

  it("sum doubles bit for bit like the reference (order-sensitive values, out-of-order events)", () => {
    let differs = 0;
    const property = () =>
      fc.property(
        fc.record({ slide: fc.constantFrom(1, 2, 3), per: fc.constantFrom(1, 2, 3, 5), distinct: fc.boolean(), min: fc.boolean() }),
        fc.array(
          fc.record({
            t: fc.integer({ min: 0, max: 30 }),
            key: fc.integer({ min: 0, max: 2 }),
            v: fc.oneof(fc.constantFrom(1e16, -1e16, 1, 0.1, 0.2, 0.3, 3), fc.integer({ min: -1e6, max: 1e6 }).map((x) => x / 7)),
            lag: fc.integer({ min: 0, max: 40 }),
          }),
          { maxLength: 200 },
        ),
        cutsArb,
        ({ slide, per, distinct, min }, evs, cuts) => {
          const spec: WindowSpec = { sizeMs: slide * per, slideMs: slide, sum: true, floatSum: true, distinct, min };
          // a watermark that lags the largest time so far, so some events are late
          let hi = -Infinity;
          const wm = Float64Array.from(evs, (e) => {
            const x = hi - e.lag;
            hi = Math.max(hi, e.t);
            return x;
          });
          for (let i = 1; i < wm.length; i++) wm[i] = Math.max(wm[i]!, wm[i - 1]!);
          const s = { time: Float64Array.from(evs, (e) => e.t), key: Uint32Array.from(evs, (e) => e.key), value: Float64Array.from(evs, (e) => e.v), user: new Uint32Array(evs.length), source: new Uint32Array(evs.length) };
          const w = createWindow(core, spec, { batchCap: 16 });
          const r = new ReferenceWindow(spec);
          const eventOrder = new ReferenceWindow({ ...spec, distinct: true });
          const b = bounds(evs.length, cuts);
          for (let i = 0; i + 1 < b.length; i++) {
            const [from, to] = [b[i]!, b[i + 1]!];
            const c = wm.subarray(from, to);
            expect([...w.process(sub(s, from, to, c))]).toEqual([...r.process(sub(s, from, to, c))]);
            eventOrder.process(sub(s, from, to, c));
            expect(rowsToObjects(w.peek())).toEqual(rowsToObjects(r.peek()));
          }
          const rows = rowsToObjects(w.advance(Infinity));
          expect(rows).toEqual(rowsToObjects(r.advance(Infinity)));
          // the pane order is not a formality: event order often gives other doubles
          const alt = rowsToObjects(eventOrder.advance(Infinity));
          if (alt.some((x, i) => !Object.is(x.sum, rows[i]!.sum))) differs++;
          w.destroy();
        },
      );
    fc.assert(property(), { numRuns: 300 });
    // The pane order is not a formality: with a fixed seed (so this check cannot flake), adding in
    // event order instead gives other doubles in some runs.
    differs = 0;
    fc.assert(property(), { numRuns: 300, seed: 20261130 });
    expect(differs).toBeGreaterThan(0);
  });

  it("restore a snapshot taken after any prefix into a fresh core and continue identically", () => {
    fc.assert(
      fc.property(specArb, streamArb(10), wmArb, cutsArb, fc.nat(), (spec, s, wmSpec, cuts, at) => {
        const run = (snapshotAt: number) => {
          let w = createWindow(core, spec, { batchCap: 64 });
          let wk = createWatermark(core, wmSpec, { batchCap: 64 });
          const out: (WindowRow | number[])[] = [];
          const b = bounds(s.time.length, cuts);
          let now = 0;
          for (let i = 0; i + 1 < b.length; i++) {
            if (i === snapshotAt) {
              const [ws, ks] = [w.snapshot(), wk.snapshot()];
              w.destroy();
              wk.destroy();
              w = WasmWindow.restore(other, ws);
              wk = WasmWatermark.restore(other, ks);
            }
            const [from, to] = [b[i]!, b[i + 1]!];
            now += wmSpec.nowStep;
            const col = wk.process({ n: to - from, stream: s.source.subarray(from, to), time: s.time.subarray(from, to), now }).slice();
            out.push([...w.process(sub(s, from, to, col))]);
            out.push(...rowsToObjects(w.advance(wk.value())));
            out.push(...rowsToObjects(w.peek()));
          }
          out.push(...rowsToObjects(w.advance(Infinity)));
          w.destroy();
          wk.destroy();
          return out;
        };
        const n = bounds(s.time.length, cuts).length - 1;
        expect(run(at % Math.max(1, n))).toEqual(run(-1));
      }),
      { numRuns: 150 },
    );
  });
});
