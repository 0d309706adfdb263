import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ZScoreKernel } from "../../src/core/kernels/zscore";
import { ReferenceZScore } from "../../src/core/reference/zscore";
import { JsPortZScore } from "../../bench/ports/zscore-js";

function run(k: ZScoreKernel, keys: number[], values: number[], batch: number) {
  const out: number[][] = [];
  for (let from = 0; from < keys.length; from += batch) {
    const to = Math.min(keys.length, from + batch);
    const r = k.process({ n: to - from, key: keys.slice(from, to), value: values.slice(from, to) });
    for (let i = 0; i < r.n; i++) out.push([r.index[i]! + from, r.mean[i]!, r.stddev[i]!, r.z[i]!]);
  }
  return out;
}

describe("z-score JS port (bench)", () => {
  it("equals the reference bit for bit", () => {
    const value = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 900, max: 1100 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) });
    let flags = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), value), { maxLength: 500, size: "max" }), fc.integer({ min: 1, max: 64 }), (evs, batch) => {
        const keys = evs.map((e) => e[0]), values = evs.map((e) => e[1]);
        const expected = run(new ReferenceZScore(), keys, values, batch);
        expect(run(new JsPortZScore({}, { batchCap: 64 }), keys, values, batch)).toStrictEqual(expected);
        flags += expected.length;
      }),
      { numRuns: 300 },
    );
    expect(flags).toBeGreaterThan(100);
  });
});
