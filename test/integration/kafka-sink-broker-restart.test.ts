import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "../../src/server/kafka/client";
import { produce } from "../helpers/kafka-io";
import { runPassThrough } from "../helpers/kafka-pass-through";
import { expectExactPassThroughOutput } from "../helpers/pass-through-verify";
import { startRestartableBroker, type RestartableBroker } from "../helpers/restartable-broker";
import { uniqueName } from "../helpers/kafka";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let broker: RestartableBroker;
beforeAll(async () => {
  broker = await startRestartableBroker();
});
afterAll(async () => {
  await broker?.destroy();
});

describe("Kafka sink and checkpoints across a broker restart", () => {
  it("reports failed epochs while the broker is down, restarts from the last checkpoint, and the output stays exact", async () => {
    const kafka = createKafka({ brokers: broker.brokers });
    const input = uniqueName("bounce-in");
    const values = Array.from({ length: 1500 }, (_, i) => (i % 89 === 5 ? "bad" : `v${i}`));
    await produce(kafka, input, values, 3);
    let commits = 0;
    const options = {
      brokers: broker.brokers,
      group: uniqueName("bounce-group"),
      inputTopics: [input],
      resultsTopic: uniqueName("bounce-results"),
      checkpointTopic: uniqueName("bounce-checkpoints"),
      checkpointEvery: 50,
      pollMax: 25,
      slowMs: 25,
      untilEnd: true,
      onCommit: () => commits++,
    };
    const bounce = (async () => {
      while (commits < 3) await sleep(20);
      await broker.stop();
      await sleep(1500);
      await broker.start();
    })();
    const failures: string[] = [];
    const t0 = Date.now();
    for (let attempt = 0; ; attempt++) {
      expect(attempt, failures.join("\n")).toBeLessThan(15);
      try {
        await runPassThrough(options);
        break;
      } catch (err) {
        // The runner's contract: report, then restart from the last checkpoint.
        failures.push(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${(err as Error).message}`);
        await sleep(1000);
      }
    }
    await bounce;
    expect(commits).toBeGreaterThan(3);
    await expectExactPassThroughOutput(kafka, { input, values, partitions: 3, resultsTopic: options.resultsTopic, context: failures.join("\n") });
  });
});
