import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { decodeFrame, type EventFrame, type ServerMessage } from "../../src/core/frames";
import { KafkaBridgeSource } from "../../src/server/gateway/kafka-source";
import { type RunningGateway, startGateway } from "../../src/server/gateway/server";
import type { TopicListing } from "../../src/server/gateway/source";
import { testBrokers, testKafka, uniqueName } from "../helpers/kafka";
import { expectExactlyOnce, readCommitted } from "../helpers/kafka-io";

const prefix = uniqueName("gw");
const names = { clickstream: `${prefix}-clickstream`, transactions: `${prefix}-transactions`, orders: `${prefix}-orders` };
const resultsTopic = `${prefix}-results`;
let gw: RunningGateway;

beforeAll(async () => {
  gw = await startGateway({ source: new KafkaBridgeSource({ brokers: testBrokers(), topics: names, resultsTopic }), port: 0, collect: { batchMs: 5 } });
});
afterAll(async () => {
  await gw?.close();
});

async function until(cond: () => boolean | Promise<boolean>, ms = 60_000, tick?: () => Promise<void>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await tick?.();
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("gateway bridging a real Kafka broker", () => {
  it("forwards valid events as frames, counts invalid ones, tails result rows, lists topics with group lag, and /collect produces to Kafka", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/ws`);
    ws.binaryType = "arraybuffer";
    const frames: EventFrame[] = [];
    const json: ServerMessage[] = [];
    ws.on("message", (d, bin) => (bin ? frames.push(decodeFrame(d as ArrayBuffer)) : json.push(JSON.parse(String(d)) as ServerMessage)));
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ type: "hello", v: 1, results: true }));

    const producer = testKafka().producer();
    await producer.connect();
    let seq = 0;
    const sent: string[] = [];
    const produce = async () => {
      const i = seq++;
      const messages = [
        { key: "u-kafka", value: JSON.stringify({ event_id: `k${i}`, user_id: "u-kafka", product_id: "prod-002", action: "view", timestamp: Date.now() }) },
        { key: "u-kafka", value: "{broken" },
      ];
      await producer.send({ topic: names.clickstream, messages });
      sent.push(...messages.map((m) => m.value));
      await producer.send({ topic: resultsTopic, messages: [{ key: "page_views", value: JSON.stringify({ metric: "page_views", product_id: "prod-002", views: i }) }] });
    };
    await until(() => frames.length > 0 && json.some((m) => m.type === "results"), 60_000, produce);
    const welcome = json.find((m) => m.type === "welcome");
    expect(welcome).toMatchObject({ source: { kind: "kafka" }, resultsTopic });
    expect(frames[0].deltas.find((d) => d.dict === 0)!.strings).toContain("u-kafka");
    expect(frames[0].deltas.find((d) => d.dict === 4)!.strings[0]).toMatch(new RegExp(`^${names.clickstream}:\\d$`));
    await until(() => frames.reduce((n, f) => n + f.invalid, 0) > 0, 30_000, produce);
    const results = json.filter((m) => m.type === "results").flatMap((m) => (m as { rows: Record<string, unknown>[] }).rows);
    expect(results[0]).toMatchObject({ metric: "page_views", product_id: "prod-002" });

    // A consumer group at offset 0 on partition 0 lags by everything there.
    const admin = testKafka().admin();
    await admin.connect();
    const group = uniqueName("gw-lag");
    const offsets = await admin.fetchTopicOffsets(names.clickstream);
    await admin.setOffsets({ groupId: group, topic: names.clickstream, partitions: offsets.map((o) => ({ partition: o.partition, offset: "0" })) });
    await admin.disconnect();
    const listing = (await (await fetch(`http://127.0.0.1:${gw.port}/api/topics`)).json()) as { topics: TopicListing[] };
    const t = listing.topics.find((x) => x.name === names.clickstream)!;
    expect(t.kind).toBe("clickstream");
    const total = t.partitions.reduce((n, p) => n + p.messages, 0);
    expect(total).toBeGreaterThanOrEqual(2 * seq - 2);
    const g = t.groups.find((x) => x.groupId === group)!;
    expect(g.lag).toBe(total);

    const recent = (await (await fetch(`http://127.0.0.1:${gw.port}/api/topics/${names.clickstream}/messages?limit=10`)).json()) as { messages: { value: string }[] };
    expect(recent.messages.some((m) => m.value === "{broken")).toBe(true);

    const beacon = { event_id: "beacon-k", user_id: "visitor-k", product_id: "prod-001", action: "click", timestamp: Date.now() };
    const r = await fetch(`http://127.0.0.1:${gw.port}/collect`, { method: "POST", body: JSON.stringify(beacon), headers: { "content-type": "application/json" } });
    expect(r.status).toBe(202);
    // /collect produces in batches: flush, then the topic holds what the test sent and the beacon, each once.
    await gw.collect.flush();
    const back = await readCommitted(testKafka(), names.clickstream);
    const beacons = back.filter((m) => m.value!.includes('"beacon-k"'));
    expect(beacons.map((m) => [m.key, JSON.parse(m.value!).user_id])).toEqual([["visitor-k", "visitor-k"]]);
    expectExactlyOnce(back.filter((m) => !beacons.includes(m)).map((m) => m.value!), sent, "clickstream records");
    await producer.disconnect();
    ws.close();
  });
});
