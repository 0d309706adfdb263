import { beforeAll, describe, expect, it } from "vitest";
import { instantiateCore, type CoreExports } from "../../src/core/wasm";
import { createWindow, rowsToObjects, WasmWindow, type WindowAggregate, type WindowSpec } from "../../src/core/kernels/window";
import { KernelError } from "../../src/core/kernels/memory";
import { ReferenceWindow } from "../../src/core/reference/window";

let core: CoreExports;
beforeAll(async () => {
  core = await instantiateCore();
});

const MIN = 60_000;
const both = (spec: WindowSpec, batchCap = 1024): [string, () => WindowAggregate][] => [
  ["wasm", () => createWindow(core, spec, { batchCap, keyCapHint: 4 })],
  ["reference", () => new ReferenceWindow(spec)],
];

interface Ev {
  t: number;
  k: number;
  v?: number;
  u?: number;
}
function batch(evs: Ev[], wm: number | number[]) {
  return {
    n: evs.length,
    time: Float64Array.from(evs, (e) => e.t),
    key: Uint32Array.from(evs, (e) => e.k),
    value: Float64Array.from(evs, (e) => e.v ?? 0),
    distinct: Uint32Array.from(evs, (e) => e.u ?? 0),
    wm: typeof wm === "number" ? wm : Float64Array.from(wm),
  };
}

describe.each(both({ sizeMs: MIN, sum: true, min: true, max: true }))("tumbling window (%s)", (_name, make) => {
  it("puts an event exactly at a window end into the next window", () => {
    const w = make();
    expect([...w.process(batch([{ t: MIN - 1, k: 0, v: 5 }, { t: MIN, k: 0, v: 7 }, { t: 0, k: 1, v: 3 }], -Infinity))]).toEqual([]);
    const rows = rowsToObjects(w.advance(Infinity));
    expect(rows).toEqual([
      { start: 0, end: MIN, key: 0, count: 1, sum: 5, min: 5, max: 5, distinct: 0 },
      { start: 0, end: MIN, key: 1, count: 1, sum: 3, min: 3, max: 3, distinct: 0 },
      { start: MIN, end: 2 * MIN, key: 0, count: 1, sum: 7, min: 7, max: 7, distinct: 0 },
    ]);
    w.destroy();
  });

  it("closes windows once the watermark reaches their end, each row exactly once, and frees them", () => {
    const w = make();
    w.process(batch([{ t: 10, k: 2, v: 100 }, { t: 20, k: 1, v: 50 }, { t: MIN + 5, k: 1, v: 1 }], -Infinity));
    expect(w.openWindows()).toBe(2);
    expect(w.advance(MIN - 1).n).toBe(0);
    const rows = rowsToObjects(w.advance(MIN));
    expect(rows.map((r) => [r.end, r.key, r.count, r.sum])).toEqual([
      [MIN, 1, 1, 50],
      [MIN, 2, 1, 100],
    ]);
    expect(w.openWindows()).toBe(1);
    expect(w.advance(MIN).n).toBe(0);
    expect(rowsToObjects(w.advance(10 * MIN)).map((r) => r.start)).toEqual([MIN]);
    expect(w.openWindows()).toBe(0);
    w.destroy();
  });

  it("reports an event late when its window end <= the watermark before it", () => {
    const w = make();
    // wm column: the watermark in force before each event
    const late = w.process(batch([{ t: 5, k: 0 }, { t: MIN - 1, k: 0 }, { t: 2 * MIN, k: 0 }, { t: MIN + 1, k: 0 }], [-Infinity, MIN, MIN, MIN]));
    expect([...late]).toEqual([1]);
    const rows = rowsToObjects(w.advance(MIN));
    expect(rows.map((r) => r.count)).toEqual([1]);
    w.destroy();
  });

  it("peek shows partial rows without closing anything", () => {
    const w = make();
    w.process(batch([{ t: 1, k: 3, v: 2 }, { t: 2, k: 3, v: 9 }], -Infinity));
    expect(rowsToObjects(w.peek())).toEqual([{ start: 0, end: MIN, key: 3, count: 2, sum: 11, min: 2, max: 9, distinct: 0 }]);
    expect(w.openWindows()).toBe(1);
    expect(rowsToObjects(w.advance(MIN))[0]!.count).toBe(2);
    w.destroy();
  });

  it("handles times before 1970 (floor, not truncation)", () => {
    const w = make();
    w.process(batch([{ t: -1, k: 0 }, { t: -MIN, k: 0 }, { t: -MIN - 1, k: 0 }], -Infinity));
    expect(rowsToObjects(w.advance(Infinity)).map((r) => [r.start, r.count])).toEqual([
      [-2 * MIN, 1],
      [-MIN, 2],
    ]);
    w.destroy();
  });

  it("reports non-finite event times as late", () => {
    const w = make();
    expect([...w.process(batch([{ t: NaN, k: 0 }, { t: 3, k: 0 }, { t: Infinity, k: 0 }], -Infinity))]).toEqual([0, 2]);
    w.destroy();
  });
});

describe.each(both({ sizeMs: 5 * MIN, slideMs: MIN, sum: true }))("sliding window 5m/1m (%s)", (_name, make) => {
  it("adds an event to the size/slide windows that contain it", () => {
    const w = make();
    w.process(batch([{ t: 3 * MIN + 7, k: 0, v: 1 }], -Infinity));
    const starts = rowsToObjects(w.advance(Infinity)).map((r) => r.start);
    expect(starts).toEqual([-MIN, 0, MIN, 2 * MIN, 3 * MIN]);
    w.destroy();
  });

  it("adds an event only to its windows that are still open", () => {
    const w = make();
    // windows of t=3m+7 end at 4m..8m; with wm = 5m the ones ending at 4m and 5m are closed
    expect([...w.process(batch([{ t: 3 * MIN + 7, k: 0, v: 1 }], 5 * MIN))]).toEqual([]);
    expect(rowsToObjects(w.advance(Infinity)).map((r) => r.end)).toEqual([6 * MIN, 7 * MIN, 8 * MIN]);
    // and it is late when all of them are
    expect([...w.process(batch([{ t: 3 * MIN + 7, k: 0 }], 8 * MIN))]).toEqual([0]);
    w.destroy();
  });

  it("matches whether the watermark passes windows inside a batch or between batches", () => {
    const evs: Ev[] = [{ t: 0, k: 1, v: 1 }, { t: 4 * MIN, k: 1, v: 2 }, { t: 9 * MIN, k: 1, v: 4 }, { t: 4 * MIN + 1, k: 1, v: 8 }];
    const wms = [-Infinity, 0, 4 * MIN, 6 * MIN];
    const one = make();
    one.process(batch(evs, wms));
    const a = rowsToObjects(one.advance(Infinity));
    const split = make();
    const b: ReturnType<typeof rowsToObjects> = [];
    evs.forEach((e, i) => {
      split.process(batch([e], [wms[i]!]));
      b.push(...rowsToObjects(split.advance(wms[i + 1] ?? Infinity)));
    });
    expect(b).toEqual(a);
    // the last event (4m+1) arrives with wm = 6m: it misses [0, 5m) and [1m, 6m), counts in [2m, 7m) .. [4m, 9m)
    const sumAt = (start: number) => a.find((r) => r.start === start)!.sum;
    expect([sumAt(0), sumAt(MIN), sumAt(2 * MIN), sumAt(4 * MIN), sumAt(5 * MIN)]).toEqual([3, 2, 10, 10, 4]);
    one.destroy();
    split.destroy();
  });
});

describe.each(both({ sizeMs: MIN, sum: true }))("tumbling count+sum, the kernel's fast path (%s)", (_name, make) => {
  it("is late exactly when its window end <= the watermark, and an event at an end opens the next window", () => {
    const w = make();
    const late = w.process(batch([{ t: MIN - 1, k: 0, v: 1 }, { t: MIN - 1, k: 0, v: 2 }, { t: MIN, k: 0, v: 4 }, { t: MIN - 2, k: 1, v: 8 }], [-Infinity, MIN - 1, MIN - 1, MIN]));
    expect([...late]).toEqual([3]);
    expect(rowsToObjects(w.advance(Infinity)).map((r) => [r.start, r.key, r.count, r.sum])).toEqual([
      [0, 0, 2, 3],
      [MIN, 0, 1, 4],
    ]);
    w.destroy();
  });
});

describe.each(both({ sizeMs: 3 * MIN, slideMs: MIN }))("sliding count 3m/1m, the kernel's pane mode (%s)", (_name, make) => {
  it("leaves an event out of a window whose end equals the watermark before it", () => {
    const w = make();
    // e1 (wm 1m) closes [-2m, 1m); e2 arrives with wm exactly 2m, the end of [-1m, 2m), which holds e0 and e1 only
    w.process(batch([{ t: 0, k: 0 }, { t: MIN + 5, k: 0 }, { t: MIN + 10, k: 0 }], [-Infinity, MIN, 2 * MIN]));
    expect(rowsToObjects(w.advance(Infinity)).map((r) => [r.start, r.count])).toEqual([
      [-2 * MIN, 1],
      [-MIN, 2],
      [0, 3],
      [MIN, 2],
    ]);
    w.destroy();
  });
});

describe.each(both({ sizeMs: MIN, distinct: true }))("distinct count (%s)", (_name, make) => {
  it("counts distinct ids per window and key", () => {
    const w = make();
    w.process(batch([{ t: 1, k: 0, u: 7 }, { t: 2, k: 0, u: 7 }, { t: 3, k: 0, u: 8 }, { t: 4, k: 1, u: 7 }], -Infinity));
    expect(rowsToObjects(w.advance(Infinity)).map((r) => [r.key, r.count, r.distinct])).toEqual([
      [0, 3, 2],
      [1, 1, 1],
    ]);
    w.destroy();
  });
});

describe("WASM window kernel", () => {
  it("grows keys past the hint and splits batches larger than its capacity", () => {
    const w = createWindow(core, { sizeMs: MIN, sum: true }, { batchCap: 16, keyCapHint: 1 });
    const r = new ReferenceWindow({ sizeMs: MIN, sum: true });
    const evs = Array.from({ length: 100 }, (_, i) => ({ t: i * 1000, k: (i * 37) % 50, v: i }));
    const wms = evs.map((e) => e.t - 30_000);
    expect([...w.process(batch(evs, wms))]).toEqual([...r.process(batch(evs, wms))]);
    expect(rowsToObjects(w.advance(Infinity))).toEqual(rowsToObjects(r.advance(Infinity)));
    w.destroy();
  });

  it("restores a snapshot into a fresh core and rejects damaged or foreign bytes", async () => {
    const w = createWindow(core, { sizeMs: 5 * MIN, slideMs: MIN, sum: true, min: true, max: true });
    w.process(batch([{ t: 10, k: 1, v: 3 }, { t: 2 * MIN, k: 2, v: 4 }, { t: 6 * MIN, k: 1, v: 5 }], [-Infinity, -Infinity, 4 * MIN]));
    const bytes = w.snapshot();
    const other = await instantiateCore();
    const r = WasmWindow.restore(other, bytes);
    expect(r.spec).toEqual(w.spec);
    expect(rowsToObjects(r.peek())).toEqual(rowsToObjects(w.peek()));
    expect(rowsToObjects(r.advance(Infinity))).toEqual(rowsToObjects(w.advance(Infinity)));
    const bad = bytes.slice();
    bad[bad.length - 1]! ^= 0xff;
    expect(() => WasmWindow.restore(other, bad)).toThrow(KernelError);
    expect(() => WasmWindow.restore(other, bytes.subarray(0, 20))).toThrow(/corrupt|magic/);
    w.destroy();
    r.destroy();
  });

  it("rejects a destroyed handle and invalid specs", () => {
    const w = createWindow(core, { sizeMs: MIN });
    w.destroy();
    expect(() => w.openWindows()).toThrow(KernelError);
    expect(() => createWindow(core, { sizeMs: MIN, slideMs: 7_000 })).toThrow(RangeError);
    expect(() => createWindow(core, { sizeMs: 0 })).toThrow(RangeError);
  });

  it("keeps linear memory flat with the watermark advancing, and frees on destroy", () => {
    const w = createWindow(core, { sizeMs: 5 * MIN, slideMs: MIN, sum: true }, { batchCap: 8192 });
    const n = 8192;
    let t = 0, rows = 0, after = 0;
    for (let b = 0; b < 200; b++) {
      const ins = w.inputs();
      for (let i = 0; i < n; i++) {
        ins.time[i] = t + ((i * 7919) % 3000);
        ins.key[i] = (i * 31 + b) % 5000;
        ins.value[i] = 100;
        ins.wm[i] = t - 5 * MIN;
        t += 50;
      }
      w.processInPlace(n);
      rows += w.advanceCount(t - 5 * MIN);
      if (b === 60) after = core.memory.buffer.byteLength;
    }
    expect(rows).toBeGreaterThan(100_000);
    expect(core.memory.buffer.byteLength).toBe(after);
    w.destroy();
    createWindow(core, { sizeMs: MIN, sum: true }, { batchCap: 65_536, keyCapHint: 100_000 }).destroy();
    const before = core.memory.buffer.byteLength;
    for (let i = 0; i < 50; i++) createWindow(core, { sizeMs: MIN, sum: true }, { batchCap: 65_536, keyCapHint: 100_000 }).destroy();
    expect(core.memory.buffer.byteLength).toBe(before);
  });
});
