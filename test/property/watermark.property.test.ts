import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { instantiateCore, type CoreExports } from "../../src/core/wasm";
import { createWatermark, WasmWatermark, type WatermarkTracker } from "../../src/core/kernels/watermark";
import { ReferenceWatermark } from "../../src/core/reference/watermark";

let core: CoreExports;
let other: CoreExports;
beforeAll(async () => {
  core = await instantiateCore();
  other = await instantiateCore();
});

const specArb = fc.record({ delayMs: fc.constantFrom(0, 1, 7, 1_000, 300_000), idleTimeoutMs: fc.constantFrom(0, 1, 10, 100, 30_000, Infinity) });
/** Batches: arrival-time step, then events (stream, time step, or a non-finite time). */
const batchesArb = fc.array(
  fc.record({
    nowStep: fc.integer({ min: 0, max: 60 }),
    events: fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.oneof({ weight: 30, arbitrary: fc.integer({ min: -50, max: 100 }) }, { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) })), { maxLength: 40 }),
  }),
  { maxLength: 25 },
);

function feed(t: WatermarkTracker, batches: { nowStep: number; events: [number, number][] }[], base: number, swapAt = -1, swap?: (bytes: Uint8Array) => WatermarkTracker): number[] {
  const out: number[] = [];
  let now = 0, time = base;
  batches.forEach((b, i) => {
    if (i === swapAt && swap) t = swap(t.snapshot());
    now += b.nowStep;
    const times = b.events.map(([, dt]) => (Number.isFinite(dt) ? (time += dt) : dt));
    out.push(...t.process({ n: b.events.length, stream: b.events.map(([s]) => s), time: times, now }), t.value());
  });
  t.finish();
  out.push(t.value());
  return out;
}

describe("watermark kernel vs the reference", () => {
  it("computes the same per-event columns and values, never moving back", () => {
    fc.assert(
      fc.property(specArb, batchesArb, fc.integer({ min: -1e6, max: 2e12 }), (spec, batches, base) => {
        const w = createWatermark(core, spec, { batchCap: 16 });
        const a = feed(w, batches, base);
        expect(a).toEqual(feed(new ReferenceWatermark(spec), batches, base));
        for (let i = 1; i < a.length; i++) expect(a[i]!).toBeGreaterThanOrEqual(a[i - 1]!);
        w.destroy();
      }),
      { numRuns: 400 },
    );
  });

  it("continues identically after a snapshot restored into a fresh core", () => {
    fc.assert(
      fc.property(specArb, batchesArb, fc.nat(), (spec, batches, at) => {
        const plain = createWatermark(core, spec);
        const swapped = createWatermark(core, spec);
        const a = feed(plain, batches, 0);
        const b = feed(swapped, batches, 0, at % (batches.length + 1), (bytes) => {
          swapped.destroy();
          return WasmWatermark.restore(other, bytes);
        });
        expect(b).toEqual(a);
        plain.destroy();
      }),
      { numRuns: 200 },
    );
  });
});
