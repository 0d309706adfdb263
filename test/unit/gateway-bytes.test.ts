/**
 * Bytes per event on the wire: realistic generator traffic through the hub, frames counted as
 * sent, at the frame sizes of 200, 2,000 and 20,000 events/s with 100 ms frames, cold (a new
 * client: every dictionary string) and warm (dictionaries known: deltas only for new users).
 * Prints the figures and guards them against regressions.
 */
import { describe, expect, it } from "vitest";
import { HEADER_BYTES, type TopicInfo } from "../../src/core/frames";
import type { ConnectionContext, HubSocket } from "../../src/server/gateway/connection";
import { Hub } from "../../src/server/gateway/hub";
import { EventSource } from "../../src/server/generator";

const TOPICS: TopicInfo[] = [
  { name: "clickstream", kind: "clickstream" },
  { name: "transactions", kind: "transactions" },
  { name: "orders", kind: "orders" },
];
const CTX: ConnectionContext = { source: { kind: "embedded", description: "bytes" }, resultsTopic: null };

class CountingSocket implements HubSocket {
  bytes = 0;
  frames = 0;
  deltaBytes = 0;
  send(data: Uint8Array | string): void {
    if (typeof data === "string") return;
    this.frames++;
    this.bytes += data.length;
    // Delta blocks sit between the header and the columns: their size is what the header does not account for.
    const dv = new DataView(data.buffer, data.byteOffset);
    let pos = HEADER_BYTES;
    for (let d = 0; d < dv.getUint16(28, true); d++) {
      const count = dv.getUint32(pos + 8, true);
      const size = (16 + 4 * count + dv.getUint32(pos + 12, true) + 7) & ~7;
      this.deltaBytes += size;
      pos += size;
    }
  }
  bufferedAmount(): number {
    return 0;
  }
  close(): void {}
}

function measure(perFrame: number, frames: number, warmup: number) {
  const src = new EventSource({ seed: 42, startMs: Date.UTC(2026, 0, 1, 10), users: 1000, invalidFraction: 0.002, lateFraction: 0.002, anomalyFraction: 0.002 });
  const hub = new Hub({ topics: TOPICS, maxFrameEvents: 8192 });
  let json = 0;
  const push = (n: number) => {
    for (let i = 0; i < n; i++) {
      const r = src.next();
      json += r.text.length;
      hub.ingest({ topic: r.topic, partition: i % 3, value: r.text, timestamp: 1_767_261_600_000 + i });
    }
    hub.flush();
  };
  const cold = new CountingSocket();
  hub.connect(cold).handle(JSON.stringify({ type: "hello", v: 1 }), false, CTX);
  for (let f = 0; f < warmup; f++) push(perFrame);
  const warm = new CountingSocket();
  hub.connect(warm).handle(JSON.stringify({ type: "hello", v: 1, epoch: hub.epoch, dicts: hub.dictionarySizes() }), false, CTX);
  const coldBefore = { ...cold };
  json = 0;
  for (let f = 0; f < frames; f++) push(perFrame);
  const events = perFrame * frames;
  const firstFrame = new CountingSocket();
  hub.connect(firstFrame).handle(JSON.stringify({ type: "hello", v: 1 }), false, CTX);
  push(perFrame);
  return {
    perFrame,
    warmBytesPerEvent: warm.bytes / events,
    warmDeltaBytesPerEvent: warm.deltaBytes / events,
    coldBytesPerEvent: (coldBefore.bytes) / (perFrame * warmup),
    newClientFirstFrameBytes: firstFrame.bytes,
    jsonBytesPerEvent: json / events,
  };
}

describe("gateway bytes per event on the wire", () => {
  it("realistic generator traffic: far below JSON, and deltas vanish once dictionaries are known", () => {
    const rows = [measure(20, 300, 300), measure(200, 60, 30), measure(2000, 10, 3)];
    console.table(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v * 10) / 10]))));
    for (const r of rows) {
      expect(r.warmBytesPerEvent).toBeLessThan(r.jsonBytesPerEvent / 3);
      expect(r.warmDeltaBytesPerEvent).toBeLessThan(2);
    }
    // Per event: 3 f64 + 5 u32 + 3 u8 + a u16 id length = 49 bytes, plus the ids of purchases and
    // orders (~17 bytes each, 10-20% of events), plus header and padding spread over the frame.
    for (const r of rows) expect(r.warmBytesPerEvent).toBeLessThan(62);
  });
});
