import { describe, expect, it } from "vitest";
import type { ConnectionState } from "../../src/web/shared/chart-data";
import { describeState } from "../../src/web/ui/state-view";
import { backoffMs } from "../../src/web/worker/gateway-socket";
import { RateMeter } from "../../src/web/worker/rate-meter";

const info = { source: { kind: "kafka" as const, description: "Kafka 127.0.0.1:9092" }, topics: [{ name: "clickstream", kind: "clickstream" as const }] };

describe("web console states", () => {
  it("says what the console is doing in every state, never nothing", () => {
    const states: ConnectionState[] = [
      { kind: "loading", detail: "loading the analytics core" },
      { kind: "connecting", url: "ws://x/ws" },
      { kind: "connected", url: "ws://x/ws" },
      { kind: "reconnecting", attempt: 3, inMs: 2000, reason: "closed (code 1006)" },
      { kind: "disconnected", reason: "stopped" },
      { kind: "failed", reason: "could not load eddy.wasm" },
    ];
    for (const s of states) expect(describeState(s, 0, info).text.length).toBeGreaterThan(10);
    const done = { state: "done" as const, events: 0, total: 0, sinceMs: 0 };
    expect(describeState(states[2], 0, info, done)).toEqual({ tone: "info", text: "Connected to Kafka 127.0.0.1:9092. No events yet: waiting for events on clickstream." });
    expect(describeState(states[2], 5, info, done)).toEqual({ tone: "ok", text: "Live: Kafka 127.0.0.1:9092" });
    // While the time range is replayed (or before its first news), the banner says so, with progress.
    expect(describeState(states[2], 0, info).text).toMatch(/Loading the time range from Kafka/);
    expect(describeState(states[2], 300, info, { state: "replaying", events: 300, total: 1200, sinceMs: 0 }).text).toMatch(/Loading the time range from Kafka: 300 events, 25 %/);
    expect(describeState(states[2], 5, info, { state: "unavailable", events: 0, total: null, sinceMs: 0, reason: "this source keeps no history" }).text).toBe("Live: Kafka 127.0.0.1:9092 (no history: this source keeps no history)");
    expect(describeState(states[3], 5, info).text).toMatch(/Reconnecting, attempt 3, in 2\.0 s.*closed \(code 1006\)|closed \(code 1006\).*attempt 3, in 2\.0 s/);
    expect(describeState(states[3], 5, info).tone).toBe("warn");
    expect(describeState(states[5], 5, info).tone).toBe("error");
  });

  it("backs off reconnects from 250 ms doubling to 8 s, with ±20 % jitter", () => {
    expect([1, 2, 3, 6, 7, 20].map((a) => backoffMs(a, () => 0.5))).toEqual([250, 500, 1000, 8000, 8000, 8000]);
    expect(backoffMs(1, () => 0)).toBe(200);
    expect(backoffMs(1, () => 1)).toBe(300);
  });

  it("measures events per second over the last second of samples", () => {
    const m = new RateMeter(1000);
    expect(m.sample(0, 0)).toBe(0);
    expect(m.sample(250, 2500)).toBe(10_000);
    m.sample(500, 5000);
    m.sample(750, 7500);
    m.sample(1000, 10_000);
    // From 1000 to 1250 the rate halves: measured over the last full second.
    expect(m.sample(1250, 11_250)).toBe(8750);
  });
});
