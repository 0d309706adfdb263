/**
 * `eddy run` against the real broker: results equal the file replay, bad input lands in the DLQ
 * with its reason, and kill -9 at random points loses or repeats no read_committed row.
 */
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/server/cli";
import { jsonlLine } from "../../src/server/generator";
import { testBrokers, testKafka } from "../helpers/kafka";
import { expectExactlyOnce, readCommitted } from "../helpers/kafka-io";
import { records } from "../helpers/pipeline";
import { produce, resultFileRows, runWithKills, runTopics, topicFlags } from "../helpers/run-kafka";

const dir = mkdtempSync(join(tmpdir(), "eddy-run-kafka-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const recs = records(20_000, { seed: 21, late: 0.01, invalid: 0.02, anomaly: 0.005 });

/** Every committed row of `topic`, read to its end offsets. */
async function resultRows(topic: string): Promise<string[]> {
  return (await readCommitted(testKafka(), topic)).map((r) => r.value!);
}

describe("eddy run with Kafka in and out", () => {
  const fileOut = join(dir, "file");
  let expected: string[] = [];

  it("gives the file replay's final rows, and routes every invalid message to the DLQ with its reason", async () => {
    const input = join(dir, "in.jsonl");
    writeFileSync(input, recs.map((r) => jsonlLine(r) + "\n").join(""));
    expect(await main(["run", "--input", input, "--output", fileOut, "--sink", "files"])).toBe(0);
    expected = resultFileRows(fileOut);
    expect(expected.length).toBeGreaterThan(1000);

    const t = runTopics("run-kafka");
    await produce(testBrokers(), t, recs);
    const code = await main(["run", "--brokers", testBrokers().join(","), ...topicFlags(t), "--until-end", "--sink", "kafka", "--checkpoint-interval", "1s"]);
    expect(code).toBe(0);
    expectExactlyOnce(await resultRows(t.results), expected, "result rows");

    // The seeds' orders job: every valid order, enriched, on processed-orders.
    const processed = readFileSync(join(fileOut, "processed_orders.jsonl"), "utf8").split("\n").filter(Boolean).sort();
    expect(processed.length).toBeGreaterThan(100);
    expectExactlyOnce(await resultRows(t.processedOrders), processed, "processed orders");

    const invalid = recs.filter((r) => r.invalid);
    const dlq = await readCommitted(testKafka(), [`${t.clickstream}.dlq`, `${t.transactions}.dlq`, `${t.orders}.dlq`]);
    for (const r of dlq) {
      expect(r.headers["eddy-error"]).toMatch(/\w/);
      expect(r.headers["eddy-source-offset"]).toMatch(/^\d+$/);
    }
    // Values are kept unchanged, each invalid message once.
    expectExactlyOnce(dlq.map((r) => r.value!), invalid.map((r) => r.text), "DLQ records");
  });

  it("loses or repeats no row when the runner is killed -9 at random points", async () => {
    // More events than the first test, so that every run lives for several checkpoints.
    const many = records(60_000, { seed: 22, late: 0.01, invalid: 0.02, anomaly: 0.005 });
    const input = join(dir, "many.jsonl");
    writeFileSync(input, many.map((r) => jsonlLine(r) + "\n").join(""));
    expect(await main(["run", "--input", input, "--output", join(dir, "many"), "--sink", "files"])).toBe(0);
    const want = resultFileRows(join(dir, "many"));
    const t = runTopics("run-crash");
    await produce(testBrokers(), t, many);
    const args = ["run", "--brokers", testBrokers().join(","), ...topicFlags(t), "--until-end", "--sink", "kafka", "--checkpoint-interval", "100ms", "--poll-records", "2000"];
    expect(await runWithKills(args)).toBeGreaterThanOrEqual(3);
    expectExactlyOnce(await resultRows(t.results), want, "result rows after kill -9");
  });
});
