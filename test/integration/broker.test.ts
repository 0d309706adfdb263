import { describe, it } from "vitest";
import { expectExactlyOnce, readCommitted } from "../helpers/kafka-io";
import { testKafka, uniqueName } from "../helpers/kafka";

describe("test broker", () => {
  it("accepts a transactional write that a read_committed consumer then reads", async () => {
    const kafka = testKafka();
    const topic = uniqueName("broker-smoke");
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ transactionalId: uniqueName("tx"), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({ topic, messages: [{ key: "u1", value: "a" }, { key: "u2", value: "b" }] });
    await tx.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: "u3", value: "never" }] });
    await aborted.abort();
    await producer.disconnect();
    // To the log end: past both transactions and their markers, the aborted record never shown.
    const got = await readCommitted(kafka, topic);
    expectExactlyOnce(got.map((r) => r.value!), ["a", "b"]);
  });
});
