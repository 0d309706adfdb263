import { beforeAll, describe, expect, it } from "vitest";
import { instantiateCore, type CoreExports } from "../../src/core/wasm";
import { WasmZScore, type ZScoreKernel, type ZScoreOptions } from "../../src/core/kernels/zscore";
import { ReferenceZScore } from "../../src/core/reference/zscore";

let core: CoreExports;
beforeAll(async () => {
  core = await instantiateCore();
});

interface Impl {
  make(o?: ZScoreOptions): ZScoreKernel;
  restore(bytes: Uint8Array): ZScoreKernel;
}
const impls: [string, Impl][] = [
  ["reference", { make: (o) => new ReferenceZScore(o), restore: (b) => ReferenceZScore.restore(b) }],
  ["wasm", { make: (o) => WasmZScore.create(core, o, { batchCap: 64 }), restore: (b) => WasmZScore.restore(core, b) }],
];

/** Processes (key, value) pairs as one batch; returns the anomalies copied out. */
function push(k: ZScoreKernel, keys: number[], values: number[]) {
  const r = k.process({ n: keys.length, key: keys, value: Float64Array.from(values) });
  return Array.from({ length: r.n }, (_, i) => ({ index: r.index[i], mean: r.mean[i], stddev: r.stddev[i], z: r.z[i] }));
}

/** n samples alternating 100 / 200: mean 150, population stddev 50. */
const alternating = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 100 : 200));

describe.each(impls)("z-score (%s)", (_name, impl) => {
  it("does not score the 30th sample (29 earlier), scores the 31st (30 earlier)", () => {
    const k29 = impl.make();
    expect(push(k29, Array(30).fill(7), [...alternating(29), 10_000])).toEqual([]);
    const k30 = impl.make();
    expect(push(k30, Array(31).fill(7), [...alternating(30), 400])).toEqual([{ index: 30, mean: 150, stddev: 50, z: 5 }]);
  });

  it("flags |z| > 3 strictly: z = 3 exactly is not an anomaly, z < -3 is", () => {
    const k = impl.make();
    push(k, Array(30).fill(1), alternating(30));
    expect(k.stats(1)).toEqual({ count: 30, mean: 150, stddev: 50 });
    expect(push(k, [1], [300])).toEqual([]); // z = 3 exactly
    const k2 = impl.make();
    push(k2, Array(30).fill(1), alternating(30));
    const [a] = push(k2, [1], [-1]);
    expect(a.index).toBe(0);
    expect(a.z).toBeCloseTo(-3.02, 12);
  });

  it("never scores a key whose earlier samples have stddev 0", () => {
    const k = impl.make();
    expect(push(k, Array(41).fill(3), [...Array(40).fill(500), 1_000_000])).toEqual([]);
  });

  it("keeps keys apart and scores in input order, late or not", () => {
    const k = impl.make();
    const keys: number[] = [];
    const values: number[] = [];
    alternating(30).forEach((v) => {
      keys.push(0, 1);
      values.push(v, v * 10);
    });
    keys.push(1, 0);
    values.push(400, 400); // ordinary for key 1 (mean 1500, sd 500: z -2.2), z = 5 for key 0
    expect(push(k, keys, values).map((x) => x.index)).toEqual([61]);
    expect(k.stats(0).count).toBe(31);
    expect(k.stats(1).count).toBe(31);
  });

  it("honours minSamples and threshold", () => {
    const k = impl.make({ minSamples: 2, threshold: 1 });
    // 3rd sample: mean 15, sd 5, z 0; 4th: mean 15, sd √(50/3), z ≈ 6.1
    expect(push(k, [0, 0, 0, 0], [10, 20, 15, 40]).map((x) => x.index)).toEqual([3]);
  });

  it("restores a snapshot into a fresh instance and continues identically", () => {
    const values = alternating(60).map((v, i) => v + (i % 7));
    const expected = push(impl.make(), Array(61).fill(2), [...values, 900]);
    expect(expected).toHaveLength(1);
    const first = impl.make();
    push(first, Array(40).fill(2), values.slice(0, 40));
    const bytes = first.snapshot();
    first.destroy();
    const second = impl.restore(bytes);
    const rest = push(second, Array(21).fill(2), [...values.slice(40), 900]);
    expect(rest.map((x) => ({ ...x, index: x.index + 40 }))).toEqual(expected);
    expect(second.options).toEqual(impl.make().options);
  });
});

describe("z-score wasm wrapper", () => {
  it("splits batches larger than the batch capacity and offsets indices", () => {
    const w = WasmZScore.create(core, {}, { batchCap: 16 });
    const values = alternating(100).map((v, i) => (i === 77 ? 5_000 : v));
    const keys = Array(100).fill(0);
    expect(push(w, keys, values)).toEqual(push(new ReferenceZScore(), keys, values));
    expect(push(WasmZScore.create(core, {}, { batchCap: 16 }), keys, values).map((a) => a.index)).toEqual([77]);
  });

  it("rejects bad snapshots, bad options and key ids out of range", () => {
    expect(() => WasmZScore.restore(core, new Uint8Array(20))).toThrow(/snapshot/);
    expect(() => WasmZScore.create(core, { threshold: -1 })).toThrow(RangeError);
    expect(() => push(WasmZScore.create(core), [2 ** 28], [1])).toThrow(/key id/);
  });
});
