/**
 * Kafka helpers for integration tests: the shared test broker, private brokers a test may kill,
 * and unique topic names. Reading back is kafka-io.ts's `readCommitted` (to the end offsets).
 */
// Before kafkajs: its read_committed filter lets aborted records through (see read-committed.ts).
import "../../src/server/kafka/read-committed";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
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
