import { describe, expect, it } from "vitest";
import { createKafka } from "../../src/server/kafka/client";
import { produce } from "../helpers/kafka-io";
import { expectExactPassThroughOutput } from "../helpers/pass-through-verify";
import { spawnPassThrough } from "../helpers/pass-through-child";
import { testBrokers, uniqueName } from "../helpers/kafka";

const PARTITIONS = 3;
const RECORDS = 2400;
const isBad = (i: number) => i % 97 === 13;

describe("exactly-once across kill -9", () => {
  it("gives the same read_committed output and DLQ as an uninterrupted run after 3 random kills", async () => {
    const kafka = createKafka({ brokers: testBrokers() });
    const input = uniqueName("crash-in");
    const values = Array.from({ length: RECORDS }, (_, i) => (isBad(i) ? "bad" : `v${i}`));
    await produce(kafka, input, values, PARTITIONS);
    const options = {
      brokers: testBrokers(),
      group: uniqueName("crash-group"),
      inputTopics: [input],
      resultsTopic: uniqueName("crash-results"),
      checkpointTopic: uniqueName("crash-checkpoints"),
      checkpointEvery: 60,
      pollMax: 20,
      slowMs: 20,
      untilEnd: true,
      sessionTimeoutMs: 6000,
    };

    const log: string[] = [];
    for (let kill = 0; kill < 3; kill++) {
      const run = spawnPassThrough(options);
      await run.ready;
      const delay = 200 + Math.floor(Math.random() * 1200);
      await new Promise((r) => setTimeout(r, delay));
      run.child.kill("SIGKILL");
      const { signal } = await run.exited;
      log.push(`run ${kill}: killed after ${delay} ms, ${run.commits()} commits`);
      expect(signal, `${log.join("\n")}\n${run.output.join("\n")}`).toBe("SIGKILL");
    }
    const last = spawnPassThrough(options);
    const { code } = await last.exited;
    expect(code, `${log.join("\n")}\n${last.output.join("\n")}`).toBe(0);

    await expectExactPassThroughOutput(kafka, { input, values, partitions: PARTITIONS, resultsTopic: options.resultsTopic, context: log.join("\n") });
  });
});
