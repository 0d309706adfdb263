import { beforeAll, describe, expect, it } from "vitest";
import { instantiateCore, type CoreExports } from "../../src/core/wasm";
import { createWindow, rowsToObjects, WasmWindow, type WindowAggregate, type WindowSpec } from "../../src/core/kernels/window";
import { ReferenceWindow } from "../../src/core/reference/window";

let core: CoreExports;
beforeAll(async () => {
  core = await instantiateCore();
});

const MIN = 60_000;
const both = (spec: WindowSpec): [string, () => WindowAggregate][] => [
  ["wasm", () => createWindow(core, spec, { batchCap: 1024, keyCapHint: 4 })],
  ["reference", () => new ReferenceWindow(spec)],
];

function batch(evs: [t: number, v: number, k?: number, u?: number][], wm = -Infinity) {
  return {
    n: evs.length,
    time: Float64Array.from(evs, (e) => e[0]),
    key: Uint32Array.from(evs, (e) => e[2] ?? 0),
    value: Float64Array.from(evs, (e) => e[1]),
    distinct: Uint32Array.from(evs, (e) => e[3] ?? 0),
    wm,
  };
}
const sums = (w: WindowAggregate, wm = Infinity) => rowsToObjects(w.advance(wm)).map((r) => [r.start, r.sum]);

// Every path of the kernel: tumbling fast path, pane mode, generic (distinct, or min/max).
const SHAPES: [string, WindowSpec][] = [
  ["tumbling", { sizeMs: MIN }],
  ["sliding (panes)", { sizeMs: 2 * MIN, slideMs: MIN }],
  ["tumbling + distinct (generic)", { sizeMs: MIN, distinct: true }],
  ["sliding + max (panes, 32-byte records)", { sizeMs: 2 * MIN, slideMs: MIN, max: true }],
  ["sliding + distinct (generic)", { sizeMs: 2 * MIN, slideMs: MIN, distinct: true }],
];
const shapes = SHAPES.flatMap(([shape, spec]) => both(spec).map(([impl]) => [`${shape}, ${impl}`, spec, impl] as const));
const make = (spec: WindowSpec, impl: string, extra: Partial<WindowSpec>) => both({ ...spec, ...extra }).find(([i]) => i === impl)![1]();

describe.each(shapes)("float sums: %s", (_name, spec, impl) => {
  it("keeps fractions and adds in event order", () => {
    const w = make(spec, impl, { sum: true, floatSum: true });
    w.process(batch([[10, 0.1], [20, 0.2], [30, 0.3], [40, 0.25], [40, 0.25, 1]]));
    const rows = rowsToObjects(w.advance(Infinity)).filter((r) => r.start === 0);
    const expected = 0.1 + 0.2 + 0.3 + 0.25; // left to right, as the events came
    expect(expected).not.toBe(0.25 + 0.3 + 0.2 + 0.1); // the order matters for these values
    expect(rows.map((r) => r.sum)).toEqual([expected, 0.25]);
    w.destroy();
  });

  it("without floatSum, truncates to integer cents", () => {
    const w = make(spec, impl, { sum: true });
    w.process(batch([[10, 1.5], [20, 2.25], [30, -0.9]]));
    expect(rowsToObjects(w.advance(Infinity)).find((r) => r.start === 0)!.sum).toBe(3);
    w.destroy();
  });
});

describe.each(both({ sizeMs: 2, slideMs: 1, sum: true, floatSum: true }))("float sums of sliding windows (%s)", (_name, mk) => {
  it("add each slide in event order, then the slides in slide order", () => {
    const w = mk();
    // slide [0,1): 1e16 and -1e16 (sum 0); slide [1,2): 1. In event order 1e16 + 1 rounds to 1e16.
    w.process(batch([[0, 1e16], [1, 1], [0, -1e16]]));
    expect(sums(w)).toEqual([[-1, 0], [0, 1], [1, 1]]);
    w.destroy();
  });
});

describe.each(both({ sizeMs: 2, slideMs: 1, sum: true, floatSum: true, distinct: true }))("float sums of sliding windows with distinct (%s)", (_name, mk) => {
  it("add in event order (no slide-wise order without panes)", () => {
    const w = mk();
    w.process(batch([[0, 1e16], [1, 1], [0, -1e16]]));
    expect(sums(w)).toEqual([[-1, 0], [0, 0], [1, 1]]);
    w.destroy();
  });
});

describe.each(shapes)("integer-cent sums out of range: %s", (_name, spec, impl) => {
  const big = 2 ** 53 - 1; // Number.MAX_SAFE_INTEGER
  it("stay exact up to 2^53 - 1, read NaN beyond and count final rows only", () => {
    const w = make(spec, impl, { sum: true });
    // key 0 exact at the limit; key 1 one cent over; key 2 one huge amount; key 3 large
    // amounts that cancel out (partial sums stay exact)
    w.process(batch([[5, big, 0], [5, big, 1], [6, 1, 1], [7, 1e300, 2], [8, 2 ** 60, 3], [9, -(2 ** 60), 3], [9, 5, 3]]));
    const peek = rowsToObjects(w.peek()).filter((r) => r.start === 0);
    expect(peek.map((r) => r.sum)).toEqual([big, NaN, NaN, 5]);
    expect(w.overflowRows()).toBe(0);
    const rows = rowsToObjects(w.advance(Infinity)).filter((r) => r.start === 0);
    expect(rows.map((r) => r.sum)).toEqual([big, NaN, NaN, 5]);
    // keys 1 and 2 of each window holding the events: one window, or two when sliding
    expect(w.overflowRows()).toBe(spec.slideMs ? 4 : 2);
    w.destroy();
  });

  it("ignore huge and negative amounts of late events, also in a window still open", () => {
    const w = make(spec, impl, { sum: true });
    const b = batch([[10, 5], [20, 1e300], [30, -7], [4 * MIN, 2 ** 60], [4 * MIN, 3]]);
    // events 1 and 2 are late (their windows end by 3 min); 0 and 3 are not; 4 is late
    const late = w.process({ ...b, wm: Float64Array.from([-Infinity, 3 * MIN, 3 * MIN, 3 * MIN, 6 * MIN]) });
    expect([...late]).toEqual([1, 2, 4]);
    expect(sums(w)[0]).toEqual([spec.slideMs ? -MIN : 0, 5]);
    w.destroy();
  });

  it("read NaN where a wrapping i64 would read 0", () => {
    const w = make(spec, impl, { sum: true });
    // 2048 x 2^53 = 2^64: an unchecked i64 sum wraps to exactly 0
    w.process(batch(Array.from({ length: 2048 }, () => [10, 2 ** 53] as [number, number])));
    const rows = rowsToObjects(w.advance(Infinity));
    expect(rows.every((r) => Number.isNaN(r.sum))).toBe(true);
    expect(w.overflowRows()).toBe(rows.length);
    w.destroy();
  });
});

describe.each(both({ sizeMs: 2 * MIN, slideMs: MIN, sum: true }))("integer-cent sums of sliding windows (%s)", (_name, mk) => {
  it("overflow when two slides in range add up beyond it", () => {
    const w = mk();
    w.process(batch([[10, 2 ** 53 - 1], [MIN + 10, 1]]));
    expect(sums(w)).toEqual([[-MIN, 2 ** 53 - 1], [0, NaN], [MIN, 1]]);
    expect(w.overflowRows()).toBe(1);
    w.destroy();
  });

  it("read NaN for windows made final in the batch that overflowed them", () => {
    const w = mk();
    // 2 x (2^63 - 1024): an unchecked i64 sum wraps to -2048, which looks exact
    const huge = 2 ** 63 - 1024;
    w.process({ ...batch([[10, huge], [20, huge], [5 * MIN, 1]]), wm: Float64Array.from([-Infinity, -Infinity, 2 * MIN]) });
    expect(sums(w, 2 * MIN)).toEqual([[-MIN, NaN], [0, NaN]]);
    w.destroy();
  });

  it("count an overflow row when advance() returns it, also if it was final earlier", () => {
    const w = mk();
    w.process(batch([[10, 2 ** 53 - 1], [MIN + 10, 1]]));
    // the watermark before this event passes 2 min: windows ending by then are final
    w.process({ ...batch([[5 * MIN, 1]]), wm: 2 * MIN });
    expect(w.overflowRows()).toBe(0);
    expect(rowsToObjects(w.peek()).filter((r) => Number.isNaN(r.sum))).toHaveLength(1);
    expect(w.overflowRows()).toBe(0);
    expect(sums(w, 2 * MIN)).toEqual([[-MIN, 2 ** 53 - 1], [0, NaN]]);
    expect(w.overflowRows()).toBe(1);
    w.destroy();
  });
});

describe("WASM window kernel, sums", () => {
  it("records floatSum in its snapshot and restores it into a fresh core", async () => {
    const other = await instantiateCore();
    for (const spec of [{ sizeMs: MIN, sum: true, floatSum: true }, { sizeMs: 2 * MIN, slideMs: MIN, sum: true, floatSum: true }]) {
      const w = createWindow(core, spec);
      w.process(batch([[10, 0.5], [20, 0.25]]));
      const r = WasmWindow.restore(other, w.snapshot());
      w.destroy();
      expect(r.spec.floatSum).toBe(true);
      r.process(batch([[30, 0.125]]));
      expect(sums(r, 2 * MIN).find(([s]) => s === 0)![1]).toBe(0.875);
      r.destroy();
    }
  });

  it("rejects floatSum without sum", () => {
    expect(() => createWindow(core, { sizeMs: MIN, floatSum: true })).toThrow(/floatSum needs sum/);
    const create = core.window_create as (a: number, b: number, f: number, c: number, k: number) => number;
    expect(create(MIN, MIN, 16, 16, 16)).toBe(-7);
  });
});
