/**
 * Kafka helpers for integration tests: the shared test broker, private brokers a test may kill,
 * unique topic names, and a bounded read-back consumer.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, type KafkaMessage } from "kafkajs";
import { inject } from "vitest";
import { startBroker } from "../../scripts/kafka-broker";

/** Brokers of the shared test broker (KAFKA_BROKERS or the one the global setup started). */
export function testBrokers(): string[] {
  return inject("kafkaBrokers");
}

/** A kafkajs client for tests, quiet unless EDDY_DEBUG is set. */
export function testKafka(brokers = testBrokers()): Kafka {
  return new Kafka({ clientId: "eddy-test", brokers, logLevel: process.env.EDDY_DEBUG ? logLevel.INFO : logLevel.NOTHING });
}

/** A topic-name prefix unique to this test run, so tests never see each other's data. */
export function uniqueName(base: string): string {
  return `${base}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * Starts a broker owned by one test (free port, temporary directory), e.g. to stop it mid-run.
 * `stop()` stops it; `destroy()` stops it and removes its directory.
 */
export async function startPrivateBroker(): Promise<{ brokers: string[]; stop(): Promise<void>; destroy(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "eddy-kafka-private-"));
  const b = await startBroker({ port: 0, dir, heap: "512m" });
  return {
    brokers: b.brokers,
    stop: () => b.stop(5_000),
    destroy: async () => {
      await b.stop(5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Reads `topics` from the beginning until `expected` messages arrived or `timeoutMs` passed
 * (then resolves with what it has, so the test's assertion reports the shortfall).
 */
export async function readBack(
  topics: string[],
  expected: number,
  opts: { brokers?: string[]; timeoutMs?: number; readCommitted?: boolean } = {},
): Promise<Array<{ topic: string; partition: number; message: KafkaMessage }>> {
  const kafka = testKafka(opts.brokers);
  const consumer = kafka.consumer({ groupId: uniqueName("readback"), readUncommitted: !opts.readCommitted });
  const out: Array<{ topic: string; partition: number; message: KafkaMessage }> = [];
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, opts.timeoutMs ?? 60_000);
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) out.push({ topic: batch.topic, partition: batch.partition, message });
          if (out.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
