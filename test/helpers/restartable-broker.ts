/**
 * A private broker a test can stop and start again on the same port with the same data
 * directory, as a broker restart looks to clients (test/helpers/kafka.ts's private broker
 * cannot come back).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBroker, type BrokerHandle } from "../../scripts/kafka-broker";

/** A broker with stop/restart; `destroy()` stops it and removes its directory. */
export interface RestartableBroker {
  brokers: string[];
  stop(): Promise<void>;
  /** Starts it again after `stop()` (same port, same data). */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** Starts a broker on a free port in a temporary directory. */
export async function startRestartableBroker(): Promise<RestartableBroker> {
  const dir = mkdtempSync(join(tmpdir(), "eddy-kafka-restartable-"));
  let handle: BrokerHandle | undefined = await startBroker({ port: 0, dir, heap: "512m" });
  const port = handle.port;
  const stop = async () => {
    await handle?.stop(5_000);
    handle = undefined;
  };
  return {
    brokers: handle.brokers,
    stop,
    start: async () => {
      if (!handle) handle = await startBroker({ port, dir, heap: "512m" });
    },
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
