/** A pipeline restored from a snapshot taken after finish() has nothing left to close. */
import { describe, expect, it } from "vitest";
import { MetricRegistry } from "../../src/core/metrics/registry";
import { wasmKernels } from "../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import { instantiateCore } from "../../src/core/wasm";
import { drive, records } from "../helpers/pipeline";

describe("finish, snapshot, restore", () => {
  for (const partials of [false, true]) {
    it(`emits nothing more after a restore of a finished pipeline (partials ${partials})`, async () => {
      const core = await instantiateCore();
      const builtins = MetricRegistry.builtin().names.filter((n) => n !== "purchase_anomalies");
      const p = Pipeline.create({ kernels: wasmKernels(core), builtins, partials });
      const out = drive(p, records(3000, { seed: 3 }), 500);
      expect(out.rows.length).toBeGreaterThan(100);
      const snap = p.snapshot();
      const q = Pipeline.create({ kernels: wasmKernels(core), builtins, partials }, snap);
      const again = q.finish();
      expect(again.map((r) => r.metric)).toEqual([]);
    });
  }
});
