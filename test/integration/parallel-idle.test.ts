/**
 * A quiet task does not hold the merged windows open (SPEC idle_timeout): in a live parallel
 * run over 2 partitions, the task whose partition stops speaking sends its open windows as
 * provisional partials and is left out of the merged watermark, so the window closes on the
 * other task's progress alone, and its row counts the quiet task's events too.
 */
import { afterAll, describe, expect, it } from "vitest";
import { partitionOfKey } from "../../src/server/kafka/partitioner";
import { testBrokers, testKafka, uniqueName } from "../helpers/kafka";
import { createTopic, readCommitted } from "../helpers/kafka-io";
import { spawnRunner, type RunnerProcess } from "../helpers/parallel-runners";
import { waitFor } from "../helpers/wait-for";

/** A user id whose Kafka key lands in `partition` of 2. */
function userOn(partition: number): string {
  for (let i = 0; ; i++) if (partitionOfKey(`user-${i}`, 2) === partition) return `user-${i}`;
}

const view = (user: string, t: number, i: number) => ({
  key: user,
  value: JSON.stringify({ event_id: `${user}-${i}`, user_id: user, product_id: "prod-001", action: "view", timestamp: t }),
});

let runner: RunnerProcess | undefined;
afterAll(() => runner?.kill("SIGKILL"));

describe("a parallel task that goes quiet", () => {
  it("is left out of the merged watermark after the idle timeout, its open windows counted", async () => {
    const p = uniqueName("idle");
    const topics = { clickstream: `${p}-clickstream`, transactions: `${p}-transactions`, orders: `${p}-orders` };
    const kafka = testKafka();
    for (const t of Object.values(topics)) await createTopic(kafka, t, 2);
    const [busy, quiet] = [userOn(0), userOn(1)];
    // Event time an hour ago, minute-aligned: the first window is [t0, t0 + 60 s).
    const t0 = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
    const producer = kafka.producer();
    await producer.connect();
    const send = (msgs: Array<{ key: string; value: string }>) => producer.send({ topic: topics.clickstream, messages: msgs });
    // Both users view in the first window; then only the busy user goes on, minutes later.
    await send([...Array.from({ length: 3 }, (_, i) => view(busy, t0 + 1000 * i, i)), ...Array.from({ length: 5 }, (_, i) => view(quiet, t0 + 2000 + 1000 * i, i))]);
    const results = `${p}-results`;
    runner = spawnRunner([
      "run", "--brokers", testBrokers().join(","), "--clickstream-topic", topics.clickstream, "--transactions-topic", topics.transactions,
      "--orders-topic", topics.orders, "--group", `${p}-group`, "--results-topic", results, "--anomalies-topic", `${p}-anomalies`,
      "--processed-orders-topic", `${p}-processed`, "--product-metrics-topic", `${p}-pm`, "--sink", "kafka", "--parallel",
      "--watermark-delay", "1s", "--idle-timeout", "2s", "--checkpoint-interval", "500ms", "--only", "page_views",
    ]);
    await runner.checkpoints(2);
    // The busy partition moves on for several minutes of event time, in a few sends over time.
    for (let k = 1; k <= 6; k++) {
      await send([view(busy, t0 + 60_000 * k + 500, 100 + k)]);
      await new Promise((r) => setTimeout(r, 700));
    }
    const first = async () =>
      (await readCommitted(kafka, results)).map((r) => JSON.parse(r.value!) as { metric: string; window_start: string; views: number })
        .find((r) => r.metric === "page_views" && r.window_start === new Date(t0).toISOString());
    await waitFor(async () => (await first()) !== undefined, "the first window's merged page_views row", 60_000, 1000);
    // Both users' views: the quiet task's came as a provisional partial while it idled.
    expect((await first())!.views).toBe(8);
    await producer.disconnect();
    runner.kill("SIGTERM");
    expect(await runner.exit).toBe(0);
  });
});
