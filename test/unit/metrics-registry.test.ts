import { describe, expect, it } from "vitest";
import { Registry } from "../../src/server/metrics/registry";

describe("Prometheus registry", () => {
  it("renders counters, gauges and cumulative histograms in exposition format", () => {
    const r = new Registry();
    const c = r.counter("eddy_events_in_total", "Input records read.");
    const g = r.gauge("eddy_watermark_ms", "Pipeline watermark.");
    const h = r.histogram("eddy_batch_seconds", "Batch duration.", [0.01, 0.1]);
    c.inc({ topic: "clickstream" }, 3);
    c.inc({ topic: "clickstream" });
    c.inc({ topic: 'we"ird' });
    g.set({ lane: "main" }, 1.5);
    h.observe(0.005);
    h.observe(0.05);
    h.observe(5);
    const text = r.render();
    expect(text).toContain("# TYPE eddy_events_in_total counter");
    expect(text).toContain('eddy_events_in_total{topic="clickstream"} 4');
    expect(text).toContain('eddy_events_in_total{topic="we\\"ird"} 1');
    expect(text).toContain('eddy_watermark_ms{lane="main"} 1.5');
    expect(text).toContain('eddy_batch_seconds_bucket{le="0.01"} 1');
    expect(text).toContain('eddy_batch_seconds_bucket{le="0.1"} 2');
    expect(text).toContain('eddy_batch_seconds_bucket{le="+Inf"} 3');
    expect(text).toContain("eddy_batch_seconds_count 3");
    expect(() => r.counter("eddy_events_in_total", "again")).toThrow(/twice/);
  });
});
