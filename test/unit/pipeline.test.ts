import { describe, expect, it } from "vitest";
import { instantiateCore } from "../../src/core/wasm";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import { referenceKernels, wasmKernels } from "../../src/core/pipeline/kernel-factory";
import { canonical, drive, records } from "../helpers/pipeline";

const recs = records(30_000);

async function wasmPipeline(capacity = 4096, snapshot?: Uint8Array) {
  return Pipeline.create({ kernels: wasmKernels(await instantiateCore()), capacity }, snapshot);
}

describe("pipeline: WASM kernels against the reference", () => {
  it("gives exactly the reference's rows, late events and order on a generated stream", async () => {
    const refPipeline = Pipeline.create({ kernels: referenceKernels(), capacity: 4096 });
    const ref = drive(refPipeline, recs, 4096);
    const wasm = drive(await wasmPipeline(), recs, 4096);
    expect(ref.rows.length).toBeGreaterThan(1000);
    expect(ref.late.length).toBeGreaterThan(0);
    const metrics = new Set(ref.rows.map((r) => r.metric));
    expect([...metrics].sort()).toEqual(
      ["category_revenue", "conversions", "funnel", "orders_metrics", "page_views", "processed_orders", "product_activity", "purchase_anomalies", "sessions", "traffic"],
    );
    // Orders are late only for orders_metrics; the other topics never for it.
    for (const [k, mask] of ref.late) {
      const ops = refPipeline.lateOps(mask);
      if (recs[k].kind === "orders") expect(ops).toEqual(["orders_metrics"]);
      else expect(ops).not.toContain("orders_metrics");
    }
    expect(wasm.invalid).toBe(ref.invalid);
    expect(wasm.late).toEqual(ref.late);
    expect(wasm.rows).toEqual(ref.rows);
  });

  it("does not depend on batch boundaries (same rows, same late events)", async () => {
    const big = drive(await wasmPipeline(16_384), recs, 16_384);
    const small = drive(await wasmPipeline(97), recs, 97);
    expect(small.late).toEqual(big.late);
    expect(canonical(small.rows)).toEqual(canonical(big.rows));
  });

  it("restores a snapshot taken after any prefix and continues to the same result", async () => {
    const whole = drive(await wasmPipeline(), recs, 1000);
    for (const cut of [1, 12_345, 29_999]) {
      const first = await wasmPipeline();
      const out = drive(first, recs, 1000, undefined, 0, cut, false);
      const snap = first.snapshot();
      first.destroy();
      const second = await wasmPipeline(4096, snap);
      drive(second, recs, 1000, out, cut, recs.length, true);
      expect(out.late).toEqual(whole.late);
      expect(canonical(out.rows)).toEqual(canonical(whole.rows));
    }
  });
});
