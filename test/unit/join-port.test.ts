import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JOIN_KIND_CLICK, JOIN_KIND_TX, conversionRowsToObjects, type JoinKernel } from "../../src/core/kernels/join";
import { ReferenceJoin } from "../../src/core/reference/join";
import { JsPortJoin } from "../../bench/ports/join-js";

const MIN = 60_000;

/** Random click/purchase streams with out-of-order times and a lagging watermark. */
const stream = fc.array(
  fc.record({
    kind: fc.constantFrom(JOIN_KIND_CLICK, JOIN_KIND_CLICK, JOIN_KIND_TX),
    user: fc.integer({ min: 0, max: 3 }),
    product: fc.integer({ min: 0, max: 2 }),
    step: fc.integer({ min: 0, max: 90_000 }),
    jitter: fc.integer({ min: -15 * MIN, max: 15 * MIN }),
  }),
  { maxLength: 300, size: "max" },
);

function run(k: JoinKernel, evs: { kind: number; user: number; product: number; step: number; jitter: number }[], batch: number) {
  let clock = 0, max = -Infinity;
  const time: number[] = [], wm: number[] = [];
  for (const e of evs) {
    clock += e.step;
    time.push(clock + e.jitter);
    wm.push(max - 5 * MIN);
    max = Math.max(max, clock + e.jitter);
  }
  const out: unknown[] = [];
  for (let from = 0; from < evs.length; from += batch) {
    const to = Math.min(evs.length, from + batch);
    const col = (f: (e: (typeof evs)[number]) => number) => evs.slice(from, to).map(f);
    const late = k.process({ n: to - from, kind: col((e) => e.kind), user: col((e) => e.user), product: col((e) => e.product), time: time.slice(from, to), wm: wm.slice(from, to) });
    out.push(Array.from(late), conversionRowsToObjects(k.advance(wm[to - 1]!)), k.openEntries(), conversionRowsToObjects(k.peek()));
  }
  out.push(conversionRowsToObjects(k.advance(Infinity)), k.openEntries());
  return out;
}

describe("join JS port (bench)", () => {
  it("equals the reference: late events, rows, peeks and state sizes", () => {
    fc.assert(
      fc.property(stream, fc.integer({ min: 1, max: 64 }), (evs, batch) => {
        expect(run(new JsPortJoin({}, { batchCap: 64 }), evs, batch)).toStrictEqual(run(new ReferenceJoin(), evs, batch));
      }),
      { numRuns: 300 },
    );
  });
});
