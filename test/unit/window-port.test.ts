import { describe, expect, it } from "vitest";
import { rowsToObjects, type WindowSpec } from "../../src/core/kernels/window";
import { ReferenceWindow } from "../../src/core/reference/window";
import { JsPortWindow } from "../../bench/ports/window-js";
import { WindowStream } from "../../bench/suites/window";

// The bench compares the WASM kernel with this port: it must compute the same thing.
describe.each<[string, WindowSpec]>([
  ["tumbling count+sum", { sizeMs: 60_000, sum: true }],
  ["sliding (panes) sum+min+max", { sizeMs: 300_000, slideMs: 60_000, sum: true, min: true, max: true }],
  ["sliding distinct", { sizeMs: 120_000, slideMs: 60_000, distinct: true }],
])("JS port of the window kernel: %s", (_name, spec) => {
  it("equals the reference on the bench stream (late events, key growth, closing)", () => {
    const port = new JsPortWindow(spec, { batchCap: 5_000, keyCapHint: 2 });
    const ref = new ReferenceWindow(spec);
    const gen = new WindowStream(300, 7, 100); // 100 events/s: windows close within the test
    const n = 5_000;
    const cols = { time: new Float64Array(n), key: new Uint32Array(n), value: new Float64Array(n), distinct: new Uint32Array(n), wm: new Float64Array(n) };
    let rows = 0;
    for (let b = 0; b < 60; b++) {
      const wm = gen.fill(n, cols.time, cols.key, cols.value, cols.distinct, cols.wm);
      const batch = { n, ...cols };
      expect([...port.process(batch)]).toEqual([...ref.process(batch)]);
      const a = rowsToObjects(port.advance(wm));
      expect(a).toEqual(rowsToObjects(ref.advance(wm)));
      rows += a.length;
      if (b % 20 === 7) {
        expect(rowsToObjects(port.peek())).toEqual(rowsToObjects(ref.peek()));
        expect(port.openWindows()).toBe(ref.openWindows());
      }
    }
    expect(rows).toBeGreaterThan(10_000);
  });
});
