import { describe, expect, it } from "vitest";
import { decodeFrame, type EventFrame, FLAG_RESET, parseClientMessage, type ServerMessage, type TopicInfo } from "../../src/core/frames";
import type { ConnectionContext, HubSocket } from "../../src/server/gateway/connection";
import type { HistoryReader, HistoryRequest } from "../../src/server/gateway/history";
import { Hub, type InputMessage } from "../../src/server/gateway/hub";
import { EmbeddedSource } from "../../src/server/gateway/embedded-source";
import { MessageLog } from "../../src/server/gateway/message-log";

const TOPICS: TopicInfo[] = [
  { name: "clickstream", kind: "clickstream" },
  { name: "transactions", kind: "transactions" },
  { name: "orders", kind: "orders" },
];
const CTX: ConnectionContext = { source: { kind: "kafka", description: "test" }, resultsTopic: null };

class FakeSocket implements HubSocket {
  buffered = 0;
  /** Frames and JSON messages in the order sent. */
  seen: ({ frame: EventFrame } | { json: ServerMessage })[] = [];
  send(data: Uint8Array | string): void {
    this.seen.push(typeof data === "string" ? { json: JSON.parse(data) as ServerMessage } : { frame: decodeFrame(data) });
  }
  bufferedAmount(): number {
    return this.buffered;
  }
  close(): void {}
  /** Transaction ids of every frame, in order. */
  ids(): string[] {
    return this.seen.flatMap((x) => ("frame" in x ? (x.frame.ids ?? []) : []));
  }
}

const tx = (offset: number, partition = 0): InputMessage => ({
  topic: "transactions",
  partition,
  offset,
  timestamp: 1000 + offset,
  value: JSON.stringify({ transaction_id: `tx-${partition}-${offset}`, user_id: "u1", product_id: "prod-001", amount: 10, timestamp: 1_767_261_600_000 + offset * 1000 }),
});

/** A reader that delivers `history` in two chunks, letting the test run `during` in between. */
function reader(history: InputMessage[], ends: Map<string, number>, during: () => void): HistoryReader & { req?: HistoryRequest } {
  const r: HistoryReader & { req?: HistoryRequest } = {
    async readHistory(req) {
      r.req = req;
      req.onTotal(history.length);
      await req.deliver(history.slice(0, 3));
      during();
      await req.deliver(history.slice(3));
      return ends;
    },
  };
  return r;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
}

describe("gateway history replay (hello.history)", () => {
  it("splices the replay onto the live stream: every offset once, in order, history between its start and done", async () => {
    const history = Array.from({ length: 10 }, (_, i) => tx(i));
    let hub!: Hub;
    // While the replay runs, the live consumer delivers offsets 8..14 (8 and 9 are also history).
    const r = reader(history, new Map([["transactions:0", 10]]), () => {
      for (let o = 8; o < 15; o++) hub.ingest(tx(o));
      hub.flush();
    });
    hub = new Hub({ topics: TOPICS, history: r, epoch: 5 });
    const other = new FakeSocket();
    hub.connect(other).handle(JSON.stringify({ type: "hello", v: 1 }), false, CTX);
    const s = new FakeSocket();
    hub.connect(s).handle(JSON.stringify({ type: "hello", v: 1, history: { sinceMs: 1000 } }), false, CTX);
    await settle();
    expect(r.req!.topics).toEqual(["clickstream", "transactions", "orders"]);
    expect(r.req!.sinceMs).toBe(1000);
    expect(s.ids()).toEqual(Array.from({ length: 15 }, (_, i) => `tx-0-${i}`));
    const kinds = s.seen.map((x) => ("frame" in x ? "frame" : x.json.type === "history" ? `history:${x.json.state}` : x.json.type));
    expect(kinds[0]).toBe("welcome");
    expect(kinds[1]).toBe("history:replaying");
    expect(kinds[kinds.length - 1]).toBe("history:done");
    const done = s.seen[s.seen.length - 1] as { json: Extract<ServerMessage, { type: "history" }> };
    expect(done.json).toMatchObject({ state: "done", messages: 10, total: 10 });
    expect((s.seen.find((x) => "frame" in x) as { frame: EventFrame }).frame.flags & FLAG_RESET).toBe(FLAG_RESET);
    // The other client saw only the live stream; after the replay both get the same live frames.
    expect(other.ids()).toEqual(Array.from({ length: 7 }, (_, i) => `tx-0-${i + 8}`));
    hub.ingest(tx(15));
    hub.flush();
    expect(s.ids().at(-1)).toBe("tx-0-15");
    expect(other.ids().at(-1)).toBe("tx-0-15");
  });

  it("says history is unavailable without a reader, and the hello rejects a bad history", () => {
    const hub = new Hub({ topics: TOPICS });
    const s = new FakeSocket();
    hub.connect(s).handle(JSON.stringify({ type: "hello", v: 1, history: { sinceMs: 0 } }), false, CTX);
    expect(s.seen.map((x) => ("json" in x ? x.json.type : "frame"))).toEqual(["welcome", "history"]);
    expect(parseClientMessage(JSON.stringify({ type: "hello", v: 1, history: { sinceMs: "yesterday" } }))).toEqual({ ok: false, reason: expect.stringMatching(/'history'/) });
    expect(parseClientMessage(JSON.stringify({ type: "hello", v: 1, history: null })).ok).toBe(true);
  });

  it("the embedded source replays what it keeps from the time asked, and nothing twice", async () => {
    const src = new EmbeddedSource({ rate: 2000, seed: 3, historyMessages: 100_000 });
    const hub = new Hub({ topics: src.topics, history: src.history });
    await src.start(hub, new MessageLog());
    await new Promise((r) => setTimeout(r, 600));
    const s = new FakeSocket();
    const c = hub.connect(s);
    c.handle(JSON.stringify({ type: "hello", v: 1, topics: ["transactions"], history: { sinceMs: 0 } }), false, CTX);
    await new Promise((r) => setTimeout(r, 300));
    hub.flush();
    await src.stop();
    hub.flush();
    const ids = s.ids();
    expect(ids.length).toBeGreaterThan(20);
    expect(new Set(ids).size).toBe(ids.length);
    const listed = (await src.listTopics()).find((t) => t.name === "transactions")!;
    const produced = listed.partitions.reduce((n, p) => n + p.messages, 0);
    // Every transaction produced reached the client once: the history, then the live stream.
    expect(ids.length).toBe(produced - (s.seen.flatMap((x) => ("frame" in x ? [x.frame.invalid] : [])).reduce((a, b) => a + b, 0)));
  });
});
