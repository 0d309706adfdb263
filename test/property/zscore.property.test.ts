import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { instantiateCore, type CoreExports } from "../../src/core/wasm";
import { WasmZScore, type ZScoreKernel } from "../../src/core/kernels/zscore";
import { ReferenceZScore } from "../../src/core/reference/zscore";

let core: CoreExports;
beforeAll(async () => {
  core = await instantiateCore();
});

/** Flags seen over a whole property run: a run without any would prove nothing. */
let flagged = 0;

interface Flag {
  index: number;
  mean: number;
  stddev: number;
  z: number;
}

/** Pushes the stream cut at `cuts`; returns every anomaly with its index in the whole stream. */
function run(k: ZScoreKernel, keys: Uint32Array, values: Float64Array, cuts: number[], snapshotAt = -1, restore?: (b: Uint8Array) => ZScoreKernel): Flag[] {
  const bounds = [...new Set([0, ...cuts.map((c) => c % (keys.length + 1)), keys.length])].sort((a, b) => a - b);
  const out: Flag[] = [];
  for (let b = 0; b + 1 < bounds.length; b++) {
    const [from, to] = [bounds[b], bounds[b + 1]];
    if (from === snapshotAt && restore) {
      const bytes = k.snapshot();
      k.destroy();
      k = restore(bytes);
    }
    const r = k.process({ n: to - from, key: keys.subarray(from, to), value: values.subarray(from, to) });
    for (let i = 0; i < r.n; i++) out.push({ index: r.index[i] + from, mean: r.mean[i], stddev: r.stddev[i], z: r.z[i] });
  }
  k.destroy();
  flagged += out.length;
  return out;
}

// Amounts in cents, mostly ordinary with some outliers, so flags actually occur.
const cents = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 900, max: 1100 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) },
);
const stream = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 3 }), cents), { maxLength: 500, size: "max" })
  .map((evs) => ({ keys: Uint32Array.from(evs, (e) => e[0]), values: Float64Array.from(evs, (e) => e[1]) }));
const cuts = fc.array(fc.nat(), { maxLength: 6 });
const options = fc.record({ minSamples: fc.integer({ min: 0, max: 40 }), threshold: fc.constantFrom(0, 1, 2, 3, 2.5) });

describe("z-score: wasm == reference", () => {
  it("flags, means, stddevs and z are identical (bit for bit) whatever the batch cuts", () => {
    flagged = 0;
    fc.assert(
      fc.property(stream, cuts, cuts, options, ({ keys, values }, cutsA, cutsB, o) => {
        const expected = run(new ReferenceZScore(o), keys, values, cutsA);
        const got = run(WasmZScore.create(core, o, { batchCap: 64 }), keys, values, cutsB);
        expect(got).toStrictEqual(expected);
      }),
      { numRuns: 300 },
    );
    expect(flagged).toBeGreaterThan(100);
  });

  it("agrees on arbitrary doubles too (the kernel's cheap pre-test never hides a flag)", () => {
    const doubles = fc.double({ min: -1e12, max: 1e12, noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), doubles), { maxLength: 300 }), fc.constantFrom(0.5, 1, 3), (evs, threshold) => {
        const keys = Uint32Array.from(evs, (e) => e[0]);
        const values = Float64Array.from(evs, (e) => e[1]);
        const o = { minSamples: 3, threshold };
        expect(run(WasmZScore.create(core, o), keys, values, [])).toStrictEqual(run(new ReferenceZScore(o), keys, values, []));
      }),
      { numRuns: 300 },
    );
  });

  it("snapshot after any prefix, restore into a fresh instance, the rest == no snapshot", () => {
    fc.assert(
      fc.property(stream, cuts, fc.nat(), ({ keys, values }, cs, at) => {
        const whole = run(WasmZScore.create(core), keys, values, []);
        const cut = at % (keys.length + 1);
        const resumed = run(WasmZScore.create(core), keys, values, [...cs, cut], cut, (b) => WasmZScore.restore(core, b));
        expect(resumed).toStrictEqual(whole);
        const ref = run(new ReferenceZScore(), keys, values, [cut], cut, (b) => ReferenceZScore.restore(b));
        expect(ref).toStrictEqual(whole);
      }),
      { numRuns: 200 },
    );
  });
});
