import { beforeAll, describe, expect, it } from "vitest";
import { instantiateCore, type CoreExports } from "../../src/core/wasm";
import { createWatermark, WasmWatermark, type WatermarkSpec, type WatermarkTracker } from "../../src/core/kernels/watermark";
import { ReferenceWatermark } from "../../src/core/reference/watermark";

let core: CoreExports;
beforeAll(async () => {
  core = await instantiateCore();
});

const spec: WatermarkSpec = { delayMs: 5_000, idleTimeoutMs: 30_000 };
const impls: [string, (s?: WatermarkSpec) => WatermarkTracker][] = [
  ["wasm", (s = spec) => createWatermark(core, s, { batchCap: 4 })],
  ["reference", (s = spec) => new ReferenceWatermark(s)],
];
const ev = (pairs: [number, number][], now: number) => ({ n: pairs.length, stream: pairs.map((p) => p[0]), time: pairs.map((p) => p[1]), now });

describe.each(impls)("watermark tracker (%s)", (_name, make) => {
  it("is max event time - delay, in force before each event, and never moves back", () => {
    const w = make();
    expect(w.value()).toBe(-Infinity);
    const col = [...w.process(ev([[0, 100_000], [0, 90_000], [0, 120_000], [0, 50_000]], 0))];
    expect(col).toEqual([-Infinity, 95_000, 95_000, 115_000]);
    expect(w.value()).toBe(115_000);
    w.destroy();
  });

  it("takes the minimum over streams that have spoken, leaving idle ones out until they speak", () => {
    const w = make();
    w.process(ev([[1, 60_000], [0, 100_000]], 0));
    expect(w.value()).toBe(55_000); // min(95k, 55k)
    w.process(ev([[2, 1_000]], 0));
    expect(w.value()).toBe(55_000); // a stream that starts late cannot pull it back
    w.process(ev([[0, 200_000], [2, 300_000]], 10_000));
    expect(w.value()).toBe(55_000); // stream 1 holds it (not idle yet: 10 s < 30 s)
    const col = [...w.process(ev([[0, 210_000], [1, 70_000]], 35_000))];
    // at 35 s stream 1 is idle (silent since 0 s, >= 30 s): left out, so min(195k, 295k); it rejoins at 65k but the watermark never moves back
    expect(col).toEqual([195_000, 205_000]);
    expect(w.value()).toBe(205_000);
    w.destroy();
  });

  it("holds when every stream is idle, and +Infinity after finish()", () => {
    const w = make();
    w.process(ev([[3, 100_000]], 0));
    w.process(ev([], 1_000_000));
    expect(w.value()).toBe(95_000);
    w.finish();
    expect(w.value()).toBe(Infinity);
    expect([...w.process(ev([[3, 1]], 1_000_001))]).toEqual([Infinity]);
    w.destroy();
  });

  it("ignores events with a non-finite time", () => {
    const w = make();
    w.process(ev([[0, NaN], [0, Infinity], [0, 10_000]], 0));
    expect(w.value()).toBe(5_000);
    w.destroy();
  });

  it("splits batches larger than the kernel's capacity", () => {
    const w = make();
    const pairs: [number, number][] = Array.from({ length: 11 }, (_, i) => [i % 3, 10_000 + i * 1_000]);
    const col = [...w.process(ev(pairs, 0))];
    const r = new ReferenceWatermark(spec);
    expect(col).toEqual([...r.process(ev(pairs, 0))]);
    w.destroy();
  });
});

describe("WASM watermark snapshot", () => {
  it("restores into a fresh core with the same future", async () => {
    const w = createWatermark(core, spec);
    w.process(ev([[0, 100_000], [2, 80_000]], 0));
    const other = await instantiateCore();
    const r = WasmWatermark.restore(other, w.snapshot());
    expect(r.spec).toEqual(spec);
    expect(r.value()).toBe(w.value());
    const next = ev([[1, 500_000], [0, 300_000], [2, 90_000]], 20_000);
    expect([...r.process(next)]).toEqual([...w.process(next)]);
    expect(r.value()).toBe(w.value());
    const later = ev([[0, 400_000]], 45_000);
    expect([...r.process(later)]).toEqual([...w.process(later)]);
    w.destroy();
    r.destroy();
  });
});
