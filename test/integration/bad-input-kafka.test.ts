/**
 * Bad input against the real broker: a dead letter larger than the broker's default message size,
 * a DLQ topic that allows less than its source, and a corpus of every kind of invalid message.
 * Each run must finish (exit 0), keep every invalid message byte for byte (value and key) in the
 * DLQ, and count valid + invalid = read.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kafka, Message } from "kafkajs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/server/cli";
import { type GeneratedRecord, jsonlLine } from "../../src/server/generator";
import { INVALID_KINDS } from "../../src/server/generator/inject";
import { maxMessageBytes, SIDE_HEADROOM_BYTES } from "../../src/server/kafka/topics";
import { LinearPartitioner } from "../../src/server/kafka/partitioner";
import { testBrokers, testKafka } from "../helpers/kafka";
import { expectExactlyOnce, readCommitted, readCommittedRaw } from "../helpers/kafka-io";
import { records } from "../helpers/pipeline";
import { resultFileRows, runTopics, topicFlags, type RunTopics } from "../helpers/run-kafka";

const dir = mkdtempSync(join(tmpdir(), "eddy-bad-input-kafka-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MB = 1024 * 1024;
const NOW = Date.now();

/** Creates the run's three input topics (one partition) with `config`, and `extra` topics. */
async function createTopics(kafka: Kafka, t: RunTopics, config: Record<string, string>, extra: Array<{ topic: string; config: Record<string, string> }> = []) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        ...[t.clickstream, t.transactions, t.orders].map((topic) => ({ topic, numPartitions: 1, configEntries: Object.entries(config).map(([name, value]) => ({ name, value })) })),
        ...extra.map((e) => ({ topic: e.topic, numPartitions: 1, configEntries: Object.entries(e.config).map(([name, value]) => ({ name, value })) })),
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

/** Sends messages in order, 50 per request (one 2 MB message alone), to partition 0. */
async function send(kafka: Kafka, byTopic: Array<[string, Message]>) {
  const producer = kafka.producer({ createPartitioner: LinearPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < byTopic.length; ) {
      const chunk: Array<[string, Message]> = [];
      let bytes = 0;
      const size = (m: Message) => (m.value == null ? 0 : Buffer.byteLength(m.value)) + (m.key == null ? 0 : Buffer.byteLength(m.key));
      while (i < byTopic.length && chunk.length < 50 && (chunk.length === 0 || bytes + size(byTopic[i][1]) < 512 * 1024)) {
        bytes += size(byTopic[i][1]);
        chunk.push(byTopic[i++]);
      }
      const topics = new Map<string, Message[]>();
      for (const [topic, m] of chunk) topics.set(topic, [...(topics.get(topic) ?? []), { ...m, partition: 0 }]);
      await producer.sendBatch({ topicMessages: [...topics].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/** `eddy run --until-end --sink kafka` in process; resolves with its exit code and its `done` log line. */
async function runUntilEnd(t: RunTopics): Promise<{ code: number; done: Record<string, unknown> }> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((c: unknown) => (out.push(String(c)), true));
  let code: number;
  try {
    code = await main(["run", "--brokers", testBrokers().join(","), ...topicFlags(t), "--until-end", "--sink", "kafka", "--checkpoint-interval", "1s", "--log-format", "json"]);
  } finally {
    spy.mockRestore();
  }
  const lines = out.join("").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
  const restarts = lines.filter((l) => l.event === "restart");
  expect(restarts, JSON.stringify(restarts)).toEqual([]);
  return { code, done: lines.find((l) => l.event === "done") ?? {} };
}

const dlqTopics = (t: RunTopics) => [`${t.clickstream}.dlq`, `${t.transactions}.dlq`, `${t.orders}.dlq`];
const clickOf = (i: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ event_id: `e${i}`, user_id: `u${i}`, product_id: "prod-001", action: "view", timestamp: NOW - 60_000 + i, ...extra });

describe("dead letters larger than the broker's default message size", () => {
  it("a 2 MB invalid message on a topic allowing 3 MB reaches a DLQ created with 3 MB (plus room for headers), whole; the job finishes", async () => {
    const kafka = testKafka();
    const t = runTopics("dlq-3mb");
    await createTopics(kafka, t, { "max.message.bytes": String(3 * MB) });
    const big = Buffer.from(`{"event_id":"e","user_id":"u","product_id":"${"x".repeat(2 * MB)}`); // cut: not JSON
    const nearLimit = Buffer.from("y".repeat(3 * MB - 128)); // as large as the input topic takes
    await send(kafka, [
      [t.clickstream, { key: "u-big", value: Buffer.from(clickOf(1)) }],
      [t.clickstream, { key: "u-big", value: big }],
      [t.clickstream, { key: "u2", value: Buffer.from(clickOf(2)) }],
      [t.clickstream, { key: "u3", value: nearLimit }],
    ]);
    const { code, done } = await runUntilEnd(t);
    expect(code).toBe(0);
    expect(done).toMatchObject({ eventsIn: 4, valid: 2, invalid: 2 });
    const admin = kafka.admin();
    await admin.connect();
    const limits = await maxMessageBytes(admin, [`${t.clickstream}.dlq`]).finally(() => admin.disconnect());
    expect(limits.get(`${t.clickstream}.dlq`)).toBe(3 * MB + SIDE_HEADROOM_BYTES);
    const dlq = (await readCommittedRaw(kafka, `${t.clickstream}.dlq`)).sort((x, y) => Number(x.headers["eddy-source-offset"]) - Number(y.headers["eddy-source-offset"]));
    expect(dlq).toHaveLength(2);
    expect(dlq[0].value!.equals(big)).toBe(true);
    expect(dlq[0].key!.toString()).toBe("u-big");
    expect(dlq[1].value!.equals(nearLimit)).toBe(true);
    expect(dlq[1].key!.toString()).toBe("u3");
    for (const r of dlq) {
      expect(r.headers["eddy-error"]).toMatch(/^not valid JSON/);
      expect(r.headers["eddy-truncated"]).toBeUndefined();
    }
  });

  it("a DLQ topic that allows less than its source gets the record cut to fit, with its original size and the reason; the job finishes", async () => {
    const kafka = testKafka();
    const t = runTopics("dlq-small");
    await createTopics(kafka, t, { "max.message.bytes": String(3 * MB) }, [{ topic: `${t.clickstream}.dlq`, config: { "max.message.bytes": String(64 * 1024) } }]);
    const big = Buffer.from(`not json ${"é".repeat(MB)}`);
    await send(kafka, [[t.clickstream, { key: "k", value: big }], [t.clickstream, { key: "k2", value: Buffer.from(clickOf(3)) }]]);
    const { code, done } = await runUntilEnd(t);
    expect(code).toBe(0);
    expect(done).toMatchObject({ eventsIn: 2, valid: 1, invalid: 1 });
    const [r] = await readCommittedRaw(kafka, `${t.clickstream}.dlq`);
    expect(r.headers["eddy-original-size"]).toBe(String(big.length));
    expect(r.headers["eddy-truncated"]).toMatch(new RegExp(`does not fit max\\.message\\.bytes 65536 of ${t.clickstream}\\.dlq`));
    expect(r.value!.length).toBeLessThan(64 * 1024);
    expect(r.value!.length).toBeGreaterThan(60 * 1024);
    expect(big.subarray(0, r.value!.length).equals(r.value!)).toBe(true);
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(r.value!)).not.toThrow();
  });
});

describe("the bad-input corpus", () => {
  it("every invalid kind reaches the DLQ byte for byte, valid + invalid = read, results equal the replay of the valid input, exit 0", async () => {
    const kafka = testKafka();
    const t = runTopics("corpus");
    await createTopics(kafka, t, { "max.message.bytes": String(3 * MB) });
    // The generator's invalid kinds (long ids and urls, huge amounts, far-future times included).
    const recs: GeneratedRecord[] = records(6000, { seed: 31, invalid: 0.15, late: 0.01 });
    expect(new Set(recs.map((r) => r.invalid).filter(Boolean))).toEqual(new Set(INVALID_KINDS));
    const name = { clickstream: t.clickstream, transactions: t.transactions, orders: t.orders } as const;
    const input: Array<[string, Message]> = recs.map((r) => [name[r.kind], { key: r.key, value: Buffer.from(r.text) }]);
    // Hand-made ones, each invalid, with the kinds of key a producer may send.
    const order = (amount: string) => Buffer.from(`{"order_id":"o","user_id":"u","product_id":"prod-001","amount":${amount},"timestamp":${NOW - 1000}}`);
    const made: Array<[string, Message, string]> = [
      [t.clickstream, { key: "big", value: Buffer.from(`[${"1,".repeat(MB)}1]`) }, "2 MB JSON array"],
      [t.clickstream, { key: "p".repeat(900_000), value: Buffer.from(clickOf(7, { product_id: "p".repeat(900_000) })) }, "900 KB product_id and key"],
      [t.clickstream, { key: Buffer.from([0xff, 0xfe, 0x00, 0xc3]), value: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }, "not UTF-8, key and value"],
      [t.clickstream, { key: "tomb", value: null }, "null value (tombstone)"],
      [t.clickstream, { key: null, value: Buffer.alloc(0) }, "empty value, no key"],
      [t.clickstream, { key: "deep", value: Buffer.from("[".repeat(100_000) + "]".repeat(100_000)) }, "deeply nested JSON"],
      [t.clickstream, { key: "num", value: Buffer.from("42") }, "a number"],
      [t.clickstream, { key: "obj-action", value: Buffer.from(clickOf(8, { action: { toString: "" } })) }, "object action"],
      [t.clickstream, { key: "future", value: Buffer.from(clickOf(9, { timestamp: "2100-01-01T00:00:00Z" })) }, "dated 2100"],
      [t.clickstream, { key: "url", value: Buffer.from(clickOf(10, { url: "u".repeat(5000) })) }, "5000-byte url"],
      [t.clickstream, { key: "multibyte", value: Buffer.from(clickOf(11, { user_id: "é".repeat(129) })) }, "258-byte user_id"],
      [t.orders, { key: "tostring", value: order('{"toString":""}') }, "amount whose String() throws"],
      [t.orders, { key: "1e308", value: order("1e308") }, "amount 1e308"],
      [t.orders, { key: "9e15", value: order("9e15") }, "amount 9e15"],
      [t.orders, { key: "inf", value: order("1e999") }, "amount Infinity"],
      [t.transactions, { key: "tx-future", value: Buffer.from(`{"transaction_id":"t","user_id":"u","product_id":"p","amount":1,"timestamp":${NOW + 2 * 3_600_000}}`) }, "2 h ahead"],
    ];
    // Spread them through the valid input.
    made.forEach(([topic, m], i) => input.splice(Math.floor(((i + 1) * input.length) / (made.length + 1)), 0, [topic, m]));
    await send(kafka, input);

    const replayInput = join(dir, "valid.jsonl");
    writeFileSync(replayInput, recs.filter((r) => !r.invalid).map((r) => jsonlLine(r) + "\n").join(""));
    expect(await main(["run", "--input", replayInput, "--output", join(dir, "replay"), "--sink", "files", "--log-format", "json"])).toBe(0);

    const { code, done } = await runUntilEnd(t);
    expect(code).toBe(0);
    const invalid = recs.filter((r) => r.invalid).length + made.length;
    expect(done).toMatchObject({ eventsIn: input.length, invalid });
    expect((done.valid as number) + (done.invalid as number)).toBe(done.eventsIn);

    const dlq = await readCommittedRaw(kafka, dlqTopics(t));
    const hex = (b: Buffer | string | null | undefined) => (b == null ? "null" : Buffer.from(b).toString("hex"));
    const want = [...recs.filter((r) => r.invalid).map((r) => [name[r.kind], { key: r.key, value: Buffer.from(r.text) }] as const), ...made.map(([topic, m]) => [topic, m] as const)];
    expectExactlyOnce(
      dlq.map((r) => `${r.headers["eddy-source-topic"]} ${hex(r.key)} ${hex(r.value)}`),
      want.map(([topic, m]) => `${topic} ${hex(m.key)} ${hex(m.value as Buffer | null)}`),
      "DLQ records (topic, key bytes, value bytes)",
    );
    for (const r of dlq) {
      expect(r.headers["eddy-error"]).toMatch(/\w/);
      expect(r.headers["eddy-truncated"]).toBeUndefined();
    }
    const results = (await readCommitted(kafka, t.results)).map((r) => r.value!);
    expectExactlyOnce(results, resultFileRows(join(dir, "replay")), "result rows");
  });
});
