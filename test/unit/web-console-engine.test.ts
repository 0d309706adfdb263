import { describe, expect, it } from "vitest";
import { validate } from "../../src/core/events";
import { decodeFrame } from "../../src/core/frames/decode";
import { FrameError } from "../../src/core/frames/format";
import { referenceKernels, wasmKernels } from "../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import { instantiateCore } from "../../src/core/wasm";
import { total } from "../../src/web/shared/latency-histogram";
import { ConsoleEngine } from "../../src/web/worker/console-engine";
import { FrameBuilder } from "../e2e/helpers/frames-from-records";
import { canonical, drive, records } from "../helpers/pipeline";

const recs = records(20_000, { seed: 5 });

async function engineOver(frames: Uint8Array[]): Promise<ConsoleEngine> {
  const engine = new ConsoleEngine(wasmKernels(await instantiateCore()), { keepFinal: 1000 });
  for (const f of frames) engine.ingest(decodeFrame(f), 0);
  return engine;
}

function framesOf(builder: FrameBuilder, per: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < recs.length; i += per) out.push(builder.frame(recs.slice(i, i + per), () => 1000, 1000));
  return out;
}

describe("web console engine (the worker's analytics, fed with gateway frames)", () => {
  it("closes the same windows with the same final rows as the headless pipeline", async () => {
    const engine = await engineOver(framesOf(new FrameBuilder(), 1500));
    const oracle = drive(Pipeline.create({ kernels: referenceKernels() }), recs, 4096, undefined, 0, recs.length, false);
    for (const metric of ["product_activity", "page_views", "category_revenue", "conversions"] as const) {
      const expected = oracle.rows.filter((r) => r.metric === metric);
      expect(expected.length).toBeGreaterThan(50);
      expect(canonical(engine.finalRows(metric))).toEqual(canonical(expected));
    }
    const s = engine.stats();
    expect(s.eventsTotal).toBe(recs.length - oracle.invalid);
    expect(s.invalidTotal).toBe(oracle.invalid);
    expect(s.lateTotal).toBe(oracle.late.length);
  });

  it("packs one update with every chart's data and each event's latency once", async () => {
    const engine = await engineOver(framesOf(new FrameBuilder(), 4000));
    const d = engine.update(1250);
    const s = engine.stats();
    expect(d.series.page_views.x.length).toBeGreaterThan(0);
    expect(d.series.category_revenue.x.length).toBeGreaterThan(0);
    expect(d.series.conversion.x.length).toBeGreaterThan(0);
    expect(d.anomalies.x.length).toBeGreaterThan(0);
    // The hover names each anomaly's product, found among the events of its frame.
    const txProduct = new Map<string, string>();
    for (const r of recs) {
      const v = validate(r.kind, r.text);
      if (v.ok && r.kind === "transactions") {
        const e = v.event as { transaction_id: string; product_id: string };
        txProduct.set(e.transaction_id, e.product_id);
      }
    }
    d.anomalies.ids.forEach((id, i) => expect(d.anomalies.products[i].split(" ")[0]).toBe(txProduct.get(id)));
    expect(d.sessions.y[d.sessions.y.length - 1]).toBe(s.openSessions);
    expect(s.openSessions).toBeGreaterThan(0);
    expect(d.health.watermark).toBe(s.watermark);
    expect(total(d.latency)).toBe(s.eventsTotal);
    // Every Kafka timestamp was 1000 and the update went at 1250: all in 250 ms's bucket.
    expect(d.latency.filter((c) => c > 0).length).toBe(1);
    expect(total(engine.update(1500).latency)).toBe(0);
  });

  it("starts over when the gateway's dictionary epoch changes, and rejects a delta gap", async () => {
    const engine = await engineOver(framesOf(new FrameBuilder(1), 5000));
    expect(engine.closedWindows("product_activity").length).toBeGreaterThan(0);
    const other = new FrameBuilder(2);
    engine.ingest(decodeFrame(other.frame(recs.slice(0, 100))), 0);
    expect(engine.stats().resets).toBe(1);
    expect(engine.stats().epoch).toBe(2);
    expect(engine.closedWindows("product_activity")).toEqual([]);
    // A frame of epoch 2 whose first delta is missing (gap): its ids cannot be read.
    other.frame(recs.slice(100, 5000));
    const gap = other.frame(recs.slice(5000, 5100));
    const fresh = new ConsoleEngine(wasmKernels(await instantiateCore()));
    fresh.ingest(decodeFrame(new FrameBuilder(2).frame(recs.slice(0, 10))), 0);
    expect(() => fresh.ingest(decodeFrame(gap), 0)).toThrow(FrameError);
  });
});
