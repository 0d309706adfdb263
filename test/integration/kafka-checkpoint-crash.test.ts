import { describe, expect, it } from "vitest";
import { createKafka } from "../../src/server/kafka/client";
import { produce, readCommitted } from "../helpers/kafka-io";
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

    // The uninterrupted run's output, derived from the input: one row per valid record, with the
    // running count of its partition; each bad record once in the DLQ.
    const valid = values.map((v, i) => ({ v, p: i % PARTITIONS, offset: Math.floor(i / PARTITIONS) })).filter((r) => r.v !== "bad");
    const rows = (await readCommitted(kafka, options.resultsTopic, valid.length)).map((r) => JSON.parse(r.value!));
    expect(rows.length, log.join("\n")).toBe(valid.length);
    expect(new Set(rows.map((r) => r.product_id))).toEqual(new Set(valid.map((r) => `${input}/${r.p}/${r.offset}`)));
    for (let p = 0; p < PARTITIONS; p++) {
      const mine = rows
        .filter((r) => r.product_id.startsWith(`${input}/${p}/`))
        .sort((a, b) => Number(a.product_id.split("/")[2]) - Number(b.product_id.split("/")[2]));
      expect(mine.map((r) => r.views)).toEqual(mine.map((_, i) => i + 1));
    }
    const bad = values.filter((v) => v === "bad").length;
    const dlq = await readCommitted(kafka, `${input}.dlq`, bad);
    expect(dlq).toHaveLength(bad);
    expect(new Set(dlq.map((r) => `${r.headers["eddy-source-partition"]}/${r.headers["eddy-source-offset"]}`)).size).toBe(bad);
    expect(dlq.every((r) => r.value === "bad" && r.headers["eddy-error"] === "bad input" && r.headers["eddy-source-topic"] === input)).toBe(true);
  });
});
