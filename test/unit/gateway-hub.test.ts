import { describe, expect, it } from "vitest";
import { decodeFrame, type EventFrame, FLAG_RESET, FLAG_SAMPLED, type ServerMessage, type TopicInfo } from "../../src/core/frames";
import { appendFrame, applyFrameDeltas, frameDictionarySizes } from "../../src/core/pipeline/frame-input";
import { referenceKernels } from "../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { Backpressure } from "../../src/server/gateway/backpressure";
import type { ConnectionContext, HubSocket } from "../../src/server/gateway/connection";
import { Hub } from "../../src/server/gateway/hub";
import { canonical, drive, records } from "../helpers/pipeline";

const TOPICS: TopicInfo[] = [
  { name: "clickstream", kind: "clickstream" },
  { name: "transactions", kind: "transactions" },
  { name: "orders", kind: "orders" },
];
const CTX: ConnectionContext = { source: { kind: "embedded", description: "test" }, resultsTopic: null };

class FakeSocket implements HubSocket {
  buffered = 0;
  frames: EventFrame[] = [];
  json: ServerMessage[] = [];
  closed: [number, string] | undefined;
  send(data: Uint8Array | string): void {
    if (typeof data === "string") this.json.push(JSON.parse(data) as ServerMessage);
    else this.frames.push(decodeFrame(data));
  }
  bufferedAmount(): number {
    return this.buffered;
  }
  close(code: number, reason: string): void {
    this.closed = [code, reason];
  }
  ofType<T extends ServerMessage["type"]>(t: T): Extract<ServerMessage, { type: T }>[] {
    return this.json.filter((m) => m.type === t) as Extract<ServerMessage, { type: T }>[];
  }
}

function client(hub: Hub, hello: Record<string, unknown> = {}) {
  const s = new FakeSocket();
  const c = hub.connect(s);
  c.handle(JSON.stringify({ type: "hello", v: 1, ...hello }), false, CTX);
  return { s, c };
}

function feed(hub: Hub, recs: ReturnType<typeof records>, from = 0, to = recs.length) {
  for (let k = from; k < to; k++) hub.ingest({ topic: recs[k].topic, partition: 0, value: recs[k].text, timestamp: 5000 + k });
}

describe("gateway hub", () => {
  it("frames through the hub feed a pipeline to exactly the rows of the JSON", () => {
    const recs = records(12_000, { seed: 11 });
    const hub = new Hub({ topics: TOPICS, maxFrameEvents: 1000, epoch: 77 });
    const { s } = client(hub);
    for (let k = 0; k < recs.length; k += 450) {
      feed(hub, recs, k, Math.min(recs.length, k + 450));
      hub.flush();
    }
    const p = Pipeline.create({ kernels: referenceKernels(), capacity: 1000 });
    const rows: OutputRow[] = [];
    let invalid = 0;
    for (const f of s.frames) {
      expect(f.epoch).toBe(77);
      invalid += f.invalid;
      applyFrameDeltas(p, f);
      for (let i = 0; i < f.n; ) {
        i = appendFrame(p, f, i);
        rows.push(...p.process(0).rows, ...p.advance());
      }
    }
    rows.push(...p.finish());
    const viaJson = drive(Pipeline.create({ kernels: referenceKernels(), capacity: 1000 }), recs, 1000);
    expect(invalid).toBe(viaJson.invalid);
    expect(invalid).toBeGreaterThan(0);
    expect(s.frames[0].flags & FLAG_RESET).toBe(FLAG_RESET);
    expect(s.frames.slice(1).every((f) => (f.flags & FLAG_RESET) === 0)).toBe(true);
    expect(s.frames.map((f) => f.seq)).toEqual(s.frames.map((_, i) => i));
    expect(canonical(rows)).toEqual(canonical(viaJson.rows));
    // Clickstream event ids are not sent; transaction ids are.
    const f0 = s.frames[0];
    for (let i = 0; i < f0.n; i++) expect(f0.ids![i] === "").toBe(f0.topic[i] === 0);
  });

  it("sends each client only the dictionary strings it lacks; a reconnect with epoch and sizes resumes, another epoch resets", () => {
    const recs = records(3000, { seed: 12 });
    const hub = new Hub({ topics: TOPICS, epoch: 5 });
    const a = client(hub);
    feed(hub, recs, 0, 1500);
    hub.flush();
    const p = Pipeline.create({ kernels: referenceKernels() });
    applyFrameDeltas(p, a.s.frames[0]);
    const sizes = frameDictionarySizes(p);
    expect(sizes).toEqual(hub.dictionarySizes());
    const resumed = client(hub, { epoch: 5, dicts: sizes });
    const stale = client(hub, { epoch: 4, dicts: sizes });
    expect(resumed.s.ofType("welcome")[0].reset).toBe(false);
    expect(stale.s.ofType("welcome")[0].reset).toBe(true);
    feed(hub, recs, 1500, 1600);
    hub.flush();
    const r = resumed.s.frames[0];
    const st = stale.s.frames[0];
    const strings = (f: EventFrame) => f.deltas.reduce((n, d) => n + d.strings.length, 0);
    expect(r.flags & FLAG_RESET).toBe(0);
    expect(st.flags & FLAG_RESET).toBe(FLAG_RESET);
    expect(strings(st)).toBe(hub.dictionarySizes().reduce((x, y) => x + y, 0));
    expect(strings(r)).toBeLessThan(strings(st));
    expect(r.deltas.every((d) => d.start === sizes[d.dict])).toBe(true);
    // The resumed client's pipeline accepts the frame.
    applyFrameDeltas(p, r);
    expect(appendFrame(p, r)).toBe(r.n);
  });

  it("filters by subscription and counts invalid messages only for subscribed topics", () => {
    const hub = new Hub({ topics: TOPICS });
    const tx = client(hub, { topics: ["transactions", "nope"] });
    const all = client(hub);
    expect(tx.s.ofType("welcome")[0].subscribed.topics).toEqual(["transactions"]);
    feed(hub, records(2000, { seed: 13, invalid: 0.05 }));
    hub.ingest({ topic: "transactions", partition: 0, value: "{not json", timestamp: 0 });
    hub.flush();
    const txEvents = tx.s.frames.reduce((n, f) => n + f.n, 0);
    expect(txEvents).toBe(hub.events.transactions);
    expect(tx.s.frames.every((f) => f.topic.every((c) => c === 1))).toBe(true);
    expect(tx.s.frames[0].invalid).toBe(hub.invalid.transactions);
    expect(all.s.frames.reduce((n, f) => n + f.n, 0)).toBe(hub.events.clickstream + hub.events.transactions + hub.events.orders);
    expect(all.s.frames[0].invalid).toBe(hub.invalid.clickstream + hub.invalid.transactions + hub.invalid.orders);
    // Changing the subscription applies from the next frame.
    tx.c.handle(JSON.stringify({ type: "subscribe", topics: ["orders"] }), false, {} as ConnectionContext);
    expect(tx.s.ofType("subscribed")[0].topics).toEqual(["orders"]);
  });

  it("leaves out events stamped beyond the allowed future skew (counted invalid), so the console's watermark is never poisoned", () => {
    const hub = new Hub({ topics: TOPICS });
    const c = client(hub);
    const ev = (t: number | string) => JSON.stringify({ event_id: "e", user_id: "u", product_id: "prod-001", action: "view", timestamp: t });
    hub.ingest({ topic: "clickstream", partition: 0, value: ev("2100-01-01T00:00:00Z"), timestamp: 0 });
    hub.ingest({ topic: "clickstream", partition: 0, value: ev(Date.now() + 2 * 3_600_000), timestamp: 0 });
    hub.ingest({ topic: "clickstream", partition: 0, value: ev(Date.now()), timestamp: 0 });
    hub.flush();
    expect(hub.invalid.clickstream).toBe(2);
    expect(hub.events.clickstream).toBe(1);
    expect(c.s.frames.reduce((n, f) => n + f.n, 0)).toBe(1);
  });

  it("a slow client is sampled, then dropped, told so, and resumes with the dictionaries intact; the other client gets everything", () => {
    const recs = records(4000, { seed: 14, invalid: 0 });
    let now = 0;
    const hub = new Hub({ topics: TOPICS, now: () => now });
    const slow = client(hub);
    const fast = client(hub);
    const step = (k: number) => {
      feed(hub, recs, k * 100, k * 100 + 100);
      hub.flush();
      now += 100;
    };
    step(0);
    slow.s.buffered = 300 * 1024; // sampling: 1 frame in 4
    for (let k = 1; k <= 8; k++) step(k);
    expect(slow.s.frames.length).toBe(1 + 2);
    expect(slow.s.ofType("backpressure").map((m) => m.state)).toEqual(["sampling"]);
    slow.s.buffered = 2 * 1024 * 1024; // dropping
    for (let k = 9; k <= 12; k++) step(k);
    expect(slow.s.frames.length).toBe(3);
    slow.s.buffered = 0;
    step(13);
    expect(slow.s.ofType("backpressure").map((m) => m.state)).toEqual(["sampling", "dropping", "ok"]);
    const last = slow.s.frames.at(-1)!;
    expect(last.flags & FLAG_SAMPLED).toBe(FLAG_SAMPLED);
    const received = slow.s.frames.reduce((n, f) => n + f.n, 0);
    const dropped = slow.s.frames.reduce((n, f) => n + f.dropped, 0);
    expect(received + dropped).toBe(1400);
    expect(slow.s.ofType("backpressure").at(-1)!.droppedTotal).toBe(dropped);
    expect(fast.s.frames.length).toBe(14);
    expect(fast.s.frames.reduce((n, f) => n + f.n, 0)).toBe(1400);
    expect(fast.s.json.some((m) => m.type === "backpressure")).toBe(false);
    // Every id of every frame the slow client got is in the strings it was sent.
    const p = Pipeline.create({ kernels: referenceKernels(), capacity: 4096 });
    for (const f of slow.s.frames) {
      applyFrameDeltas(p, f);
      expect(appendFrame(p, f)).toBe(f.n);
      p.process(0);
    }
  });

  it("starts a new epoch when the dictionaries outgrow their limit; clients start over with a fresh pipeline", () => {
    const recs = records(600, { seed: 17, invalid: 0 });
    const hub = new Hub({ topics: TOPICS, epoch: 10, maxDictionaryStrings: 80 });
    const { s } = client(hub);
    let p = Pipeline.create({ kernels: referenceKernels() });
    let epoch: number | null = null;
    const seen: number[] = [];
    for (let k = 0; k < 600; k += 100) {
      feed(hub, recs, k, k + 100);
      hub.flush();
      const f = s.frames.at(-1)!;
      if (f.epoch !== epoch || f.flags & FLAG_RESET) {
        expect(f.flags & FLAG_RESET).toBe(FLAG_RESET);
        expect(f.deltas.every((d) => d.start === 0)).toBe(true);
        p = Pipeline.create({ kernels: referenceKernels() });
        epoch = f.epoch;
        seen.push(f.epoch);
      }
      applyFrameDeltas(p, f);
      expect(appendFrame(p, f)).toBe(f.n);
      p.process(0);
    }
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[0]).toBe(10);
    expect(seen[1]).toBe(11);
    expect(hub.dictionarySizes().reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(80 + 100 * 5);
  });

  it("closes a client whose buffer stays over the limit", () => {
    let now = 0;
    const hub = new Hub({ topics: TOPICS, now: () => now });
    const stuck = client(hub);
    stuck.s.buffered = 9 * 1024 * 1024;
    const recs = records(100, { seed: 15, invalid: 0 });
    for (let k = 0; k < 40 && !stuck.s.closed; k++) {
      feed(hub, recs, k, k + 1);
      hub.flush();
      now += 1000;
    }
    expect(stuck.s.closed?.[0]).toBe(1013);
  });

  it("protocol errors: bad JSON is answered, binary or hello twice or subscribe first close the socket", () => {
    const hub = new Hub({ topics: TOPICS });
    const s1 = new FakeSocket();
    const c1 = hub.connect(s1);
    c1.handle("{oops", false, CTX);
    expect(s1.ofType("error")[0]).toMatchObject({ fatal: false, reason: "message is not valid JSON" });
    c1.handle(JSON.stringify({ type: "hello", v: 2 }), false, CTX);
    expect(s1.ofType("error")[1].reason).toMatch(/version 2/);
    c1.handle(JSON.stringify({ type: "subscribe", topics: [] }), false, CTX);
    expect(s1.closed?.[0]).toBe(1008);
    const s2 = new FakeSocket();
    hub.connect(s2).handle(new Uint8Array(3), true, CTX);
    expect(s2.closed?.[0]).toBe(1008);
    const { s: s3, c: c3 } = client(hub);
    c3.handle(JSON.stringify({ type: "ping", id: 9 }), false, CTX);
    expect(s3.ofType("pong")[0].id).toBe(9);
    c3.handle(JSON.stringify({ type: "hello", v: 1 }), false, CTX);
    expect(s3.closed?.[0]).toBe(1008);
    const { s: s4, c: c4 } = client(hub);
    c4.handle("x".repeat(20_000), false, CTX);
    expect(s4.closed?.[0]).toBe(1009);
  });

  it("sends nothing before hello and forwards result rows to subscribers only", () => {
    const hub = new Hub({ topics: TOPICS });
    const silent = new FakeSocket();
    hub.connect(silent);
    const withResults = client(hub, { results: true });
    const without = client(hub);
    hub.result({ metric: "page_views", views: 3 });
    feed(hub, records(10, { seed: 16, invalid: 0 }));
    hub.flush();
    expect(silent.json).toEqual([]);
    expect(silent.frames).toEqual([]);
    expect(withResults.s.ofType("results")[0].rows).toEqual([{ metric: "page_views", views: 3 }]);
    expect(without.s.ofType("results")).toEqual([]);
    hub.sendStats();
    expect(without.s.ofType("stats")[0].events.clickstream).toBe(hub.events.clickstream);
  });
});

describe("backpressure policy", () => {
  it("hysteresis: dropping lasts until the buffer is under the sampling threshold", () => {
    const bp = new Backpressure();
    expect(bp.decide(0, 0)).toEqual({ decision: "send", changed: false });
    expect(bp.decide(2e6, 0)).toEqual({ decision: "skip", changed: true });
    expect(bp.decide(500e3, 0)).toEqual({ decision: "skip", changed: false });
    expect(bp.state).toBe("dropping");
    expect(bp.decide(100e3, 0)).toEqual({ decision: "send", changed: true });
    expect(bp.state).toBe("ok");
  });
});

