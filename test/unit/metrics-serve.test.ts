import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PROMETHEUS_CONTENT_TYPE, Registry } from "../../src/server/metrics/registry";
import { serveMetrics } from "../../src/server/metrics/serve";

describe("metrics server", () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  async function start(): Promise<string> {
    const registry = new Registry();
    registry.counter("eddy_events_in_total", "Input records read.").inc({ topic: "clickstream" }, 2);
    const { server, port } = await serveMetrics(registry, 0);
    close = () => server.close();
    expect(port).toBe((server.address() as AddressInfo).port);
    return `http://127.0.0.1:${port}`;
  }

  it("answers /healthz with 200 ok for liveness and readiness probes", async () => {
    const base = await start();
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
  });

  it("keeps /metrics in Prometheus exposition format", async () => {
    const base = await start();
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(await res.text()).toContain('eddy_events_in_total{topic="clickstream"} 2');
  });

  it("answers an unknown path with 404", async () => {
    const base = await start();
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
