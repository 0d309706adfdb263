import { afterAll, describe, expect, it, vi } from "vitest";
import { run } from "../../src/server/commands/generate";
import { SEEDED_START } from "../../src/server/commands/generate";
import { EventSource } from "../../src/server/generator/source";
import { startPrivateBroker, testBrokers, testKafka, uniqueName } from "../helpers/kafka";
import { expectExactlyOnce, readCommitted } from "../helpers/kafka-io";
import { waitFor } from "../helpers/wait-for";

/** Runs `eddy generate` in-process, capturing stderr. */
async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const spy = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    const code = await run(args);
    return { code, stderr: spy.mock.calls.map((c) => c.join(" ")).join("\n") };
  } finally {
    spy.mockRestore();
  }
}

/** Records in the default topics of `brokers`; 0 while they do not all exist or have no leader yet. */
async function eventsIn(brokers: string[]): Promise<number> {
  const names = ["clickstream", "transactions", "orders"];
  const admin = testKafka(brokers).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    if (!names.every((t) => existing.has(t))) return 0;
    let n = 0;
    for (const t of names) for (const o of await admin.fetchTopicOffsets(t)) n += Number(o.high) - Number(o.low);
    return n;
  } catch {
    return 0;
  } finally {
    await admin.disconnect();
  }
}

describe("eddy generate → Kafka", () => {
  it("produces 50,000 events that a consumer reads back exactly, with key = user_id and topics created", async () => {
    const prefix = uniqueName("gen") + "-";
    const n = 50_000;
    const { code, stderr } = await cli([
      "--brokers", testBrokers().join(","), "--topic-prefix", prefix, "--seed", "11", "--count", String(n),
      "--rate", "max", "--partitions", "3", "--invalid-fraction", "0.01",
    ]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(new RegExp(`^generated ${n} events .* errors 0, retries \\d+, seed 11$`, "m"));
    expect(stderr).toMatch(/^eddy generate: event time is simulated as fast as events are produced, not the wall clock: it starts at 2026-01-01T00:00:00.000Z/m);

    const topics = ["clickstream", "transactions", "orders"].map((t) => prefix + t);
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      expect(meta.topics.map((t) => t.partitions.length)).toEqual([3, 3, 3]);
    } finally {
      await admin.disconnect();
    }

    // Everything in the topics, to their end offsets: the same seed gives the same records in
    // process, so each must be there exactly once.
    const got = await readCommitted(testKafka(), topics, { timeoutMs: 90_000 });
    const src = new EventSource({ seed: 11, startMs: SEEDED_START, topicPrefix: prefix, invalidFraction: 0.01 });
    const expected = Array.from({ length: n }, () => {
      const r = src.next();
      return `${r.topic}\u0000${r.key}\u0000${r.text}`;
    });
    expectExactlyOnce(got.map((r) => `${r.topic}\u0000${r.key}\u0000${r.value}`), expected, "generated records");
    // One user's events share a partition (per topic).
    const partitionOfKey = new Map<string, number>();
    for (const { topic, partition, key } of got) {
      const pk = `${topic}/${key}`;
      expect(partitionOfKey.get(pk) ?? partition, pk).toBe(partition);
      partitionOfKey.set(pk, partition);
    }
  });

  it("fails with a clear error naming its 10 s deadline when no broker answers", async () => {
    const { code, stderr } = await cli(["--brokers", "127.0.0.1:9", "--count", "10"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot reach Kafka at 127\.0\.0\.1:9 within 10 s/);
  });

  describe("with a broker that dies mid-run", () => {
    let broker: Awaited<ReturnType<typeof startPrivateBroker>> | undefined;
    afterAll(async () => broker?.destroy());

    it("reports the failure with counts and exits non-zero instead of hanging", async () => {
      broker = await startPrivateBroker();
      const running = cli(["--brokers", broker.brokers.join(","), "--rate", "5000", "--duration", "5m", "--seed", "3"]);
      // Let it connect, create the topics and deliver a few thousand events, then pull the plug.
      const b = broker;
      await waitFor(async () => (await eventsIn(b.brokers)) >= 3000, "3,000 generated events in the private broker", 60_000, 500);
      await broker.stop();
      // A hang would fail on the test timeout.
      const { code, stderr } = await running;
      expect(code, stderr).toBe(1);
      expect(stderr).toMatch(/^eddy generate: Kafka produce failed after \d+ attempts: /m);
      const errors = Number(/errors (\d+)/.exec(stderr)?.[1]);
      const delivered = Number(/delivered (\d+) of (\d+)/.exec(stderr)?.[1]);
      expect(errors).toBeGreaterThan(0);
      expect(delivered).toBeGreaterThan(1000);
    });
  });
});
