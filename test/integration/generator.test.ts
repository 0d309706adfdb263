import { afterAll, describe, expect, it, vi } from "vitest";
import { run } from "../../src/server/commands/generate";
import { SEEDED_START } from "../../src/server/commands/generate";
import { EventSource } from "../../src/server/generator/source";
import { readBack, startPrivateBroker, testBrokers, testKafka, uniqueName } from "../helpers/kafka";

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

    const got = await readBack(topics, n, { timeoutMs: 90_000 });
    // The same seed gives the same records in process: compare against them one for one.
    const src = new EventSource({ seed: 11, startMs: SEEDED_START, topicPrefix: prefix, invalidFraction: 0.01 });
    const expected = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const r = src.next();
      const k = `${r.topic}\u0000${r.key}\u0000${r.text}`;
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    const partitionOfKey = new Map<string, number>();
    let unexpected = 0;
    for (const { topic, partition, message } of got) {
      const key = message.key!.toString();
      const k = `${topic}\u0000${key}\u0000${message.value!.toString()}`;
      const left = expected.get(k);
      if (!left) unexpected++;
      else if (left === 1) expected.delete(k);
      else expected.set(k, left - 1);
      // One user's events share a partition (per topic).
      const pk = `${topic}/${key}`;
      expect(partitionOfKey.get(pk) ?? partition).toBe(partition);
      partitionOfKey.set(pk, partition);
    }
    expect(got.length).toBe(n);
    expect(unexpected).toBe(0);
    expect(expected.size).toBe(0);
  });

  it("fails within 10 s with a clear error when no broker answers", async () => {
    const t0 = Date.now();
    const { code, stderr } = await cli(["--brokers", "127.0.0.1:9", "--count", "10"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot reach Kafka at 127\.0\.0\.1:9 within 10 s/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  describe("with a broker that dies mid-run", () => {
    let broker: Awaited<ReturnType<typeof startPrivateBroker>> | undefined;
    afterAll(async () => broker?.destroy());

    it("reports the failure with counts and exits non-zero instead of hanging", async () => {
      broker = await startPrivateBroker();
      const running = cli(["--brokers", broker.brokers.join(","), "--rate", "5000", "--duration", "5m", "--seed", "3"]);
      // Let it connect, create the topics and produce for a while, then pull the plug.
      await new Promise((r) => setTimeout(r, 6_000));
      const stoppedAt = Date.now();
      await broker.stop();
      const { code, stderr } = await running;
      const took = Date.now() - stoppedAt;
      expect(code, stderr).toBe(1);
      expect(stderr).toMatch(/^eddy generate: Kafka produce failed after \d+ attempts: /m);
      const errors = Number(/errors (\d+)/.exec(stderr)?.[1]);
      const delivered = Number(/delivered (\d+) of (\d+)/.exec(stderr)?.[1]);
      expect(errors).toBeGreaterThan(0);
      expect(delivered).toBeGreaterThan(1000);
      expect(took).toBeLessThan(90_000);
    });
  });
});
