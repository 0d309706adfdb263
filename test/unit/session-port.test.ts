import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sessionRowsToObjects, type SessionKernel } from "../../src/core/kernels/session";
import { ReferenceSession } from "../../src/core/reference/session";
import { JsPortSession } from "../../bench/ports/session-js";

const MIN = 60_000;

/** Random streams with out-of-order times (±45 min) and a lagging watermark. */
const stream = fc.array(
  fc.record({
    user: fc.integer({ min: 0, max: 5 }),
    kind: fc.integer({ min: 0, max: 2 }),
    cents: fc.integer({ min: 1, max: 100_000 }),
    step: fc.integer({ min: 0, max: 12 * MIN }),
    jitter: fc.integer({ min: -45 * MIN, max: 45 * MIN }),
  }),
  { maxLength: 300, size: "max" },
);

function run(k: SessionKernel, evs: { user: number; kind: number; cents: number; step: number; jitter: number }[], batch: number) {
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
    const late = k.process({ n: to - from, user: col((e) => e.user), kind: col((e) => e.kind), amount: col((e) => e.cents), time: time.slice(from, to), wm: wm.slice(from, to) });
    out.push(Array.from(late), sessionRowsToObjects(k.advance(wm[to - 1]!)), k.openSessions(), sessionRowsToObjects(k.peek()));
  }
  out.push(sessionRowsToObjects(k.advance(Infinity)), k.openSessions());
  return out;
}

describe("session JS port (bench)", () => {
  it("equals the reference: late events, rows, peeks and state sizes", () => {
    fc.assert(
      fc.property(stream, fc.integer({ min: 1, max: 64 }), (evs, batch) => {
        expect(run(new JsPortSession({}, { batchCap: 64 }), evs, batch)).toStrictEqual(run(new ReferenceSession(), evs, batch));
      }),
      { numRuns: 300 },
    );
  });
});
