/**
 * Global setup of the `integration` and `e2e` projects: use KAFKA_BROKERS when set, otherwise
 * start a private single-node broker on a free port with a temporary directory, and stop it
 * afterwards. Both projects share one broker per test run: vitest calls each project's setup in
 * this process, so the broker is kept on globalThis and stopped by the last teardown.
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

interface Shared {
  started: Promise<{ broker: BrokerHandle; dir: string }>;
  users: number;
}

const KEY = Symbol.for("eddy.test.kafkaBroker");
const registry = globalThis as unknown as { [KEY]?: Shared };

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BROKERS?.split(",").map((s) => s.trim()).filter(Boolean);
  if (external?.length) {
    project.provide("kafkaBrokers", external);
    return async () => {};
  }
  const shared = (registry[KEY] ??= {
    users: 0,
    started: (async () => {
      const dir = mkdtempSync(join(tmpdir(), "eddy-kafka-test-"));
      const t0 = Date.now();
      const broker = await startBroker({ port: 0, dir, heap: "768m", log: (s) => console.log(`[kafka] ${s}`) });
      console.log(`[kafka] test broker on ${broker.brokers[0]} ready in ${Date.now() - t0} ms (${dir})`);
      return { broker, dir };
    })(),
  });
  shared.users++;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    if (--shared.users > 0) return;
    delete registry[KEY];
    const { broker, dir } = await shared.started;
    await broker.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    project.provide("kafkaBrokers", (await shared.started).broker.brokers);
  } catch (err) {
    await release().catch(() => {});
    throw err;
  }
  return release;
}
