/**
 * Global setup of the `integration` project: use KAFKA_BROKERS when set, otherwise start a
 * private single-node broker on a free port with a temporary directory, and stop it afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startBroker, type BrokerHandle } from "../../scripts/kafka-broker";

declare module "vitest" {
  export interface ProvidedContext {
    kafkaBrokers: string[];
  }
}

let broker: BrokerHandle | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.KAFKA_BROKERS?.split(",").map((s) => s.trim()).filter(Boolean);
  if (external?.length) {
    project.provide("kafkaBrokers", external);
    return;
  }
  dir = mkdtempSync(join(tmpdir(), "eddy-kafka-test-"));
  const t0 = Date.now();
  broker = await startBroker({ port: 0, dir, heap: "768m", log: (s) => console.log(`[kafka] ${s}`) });
  console.log(`[kafka] test broker on ${broker.brokers[0]} ready in ${Date.now() - t0} ms (${dir})`);
  project.provide("kafkaBrokers", broker.brokers);
}

export async function teardown(): Promise<void> {
  await broker?.stop(10_000);
  if (dir) rmSync(dir, { recursive: true, force: true });
}
