/**
 * A correct read_committed filter for kafkajs, installed before kafkajs loads.
 *
 * kafkajs (2.2.4) drops the records of aborted transactions with a filter that expects the
 * fetch response's aborted transactions in first-offset order and enters at most one of them per
 * record. Brokers list them in abort order, and a partition written by several transactional
 * producers (a task's producer fenced mid-transaction while others commit around it) has many:
 * records of aborted transactions then reach a "read_committed" consumer. Measured: rows an
 * aborted epoch had staged, read back by kafkajs, while the Java client (isolation.level =
 * read_committed) skips them. That breaks exactly-once for every eddy reader: checkpoints,
 * repartition topics, tests.
 *
 * This filter does what the Java consumer's fetcher does: aborted transactions sorted by first
 * offset; every one starting at or before a record is open for its producer until that
 * producer's abort marker; a transactional record of a producer with an open aborted transaction
 * is dropped. It replaces kafkajs's module through Node's CommonJS cache, so it must be imported
 * before anything imports kafkajs (src/server/kafka/client.ts and the test helpers import it
 * first).
 */
import Module, { createRequire } from "node:module";

interface Txn {
  firstOffset: string;
  producerId: string;
}
interface Msg {
  offset: string;
  key?: Buffer | null;
  isControlRecord?: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

const ABORT_KEY = Buffer.from([0, 0, 0, 0]);

/** Control record whose key says "abort" (version 0, type 0). */
function isAbortMarker(m: Msg): boolean {
  return !!m.isControlRecord && !!m.key && Buffer.from(m.key).equals(ABORT_KEY);
}

/** Records of `messages` (offset order) that are not part of an aborted transaction. */
export function filterAborted({ messages, abortedTransactions }: { messages: Msg[]; abortedTransactions?: Txn[] }): Msg[] {
  if (!abortedTransactions?.length) return messages;
  const pending = [...abortedTransactions].sort((a, b) => (BigInt(a.firstOffset) < BigInt(b.firstOffset) ? -1 : 1));
  const open = new Map<string, number>();
  let next = 0;
  return messages.filter((m) => {
    const offset = BigInt(m.offset);
    while (next < pending.length && BigInt(pending[next].firstOffset) <= offset) {
      const id = String(pending[next++].producerId);
      open.set(id, (open.get(id) ?? 0) + 1);
    }
    const id = String(m.batchContext.producerId);
    if (isAbortMarker(m)) {
      const n = open.get(id) ?? 0;
      if (n <= 1) open.delete(id);
      else open.set(id, n - 1);
      return true;
    }
    return !(m.batchContext.inTransaction && open.has(id));
  });
}

/** Marks the installed filter, so that a second copy of this module (vitest loads one per project) keeps the first. */
export const INSTALLED = Symbol.for("eddy.read-committed-filter");
(filterAborted as unknown as Record<symbol, boolean>)[INSTALLED] = true;

const require = createRequire(import.meta.url);
const target = require.resolve("kafkajs/src/consumer/filterAbortedMessages.js");
const batch = require.resolve("kafkajs/src/consumer/batch.js");
const current = require.cache[target]?.exports as Record<symbol, boolean> | undefined;
if (!current?.[INSTALLED]) {
  if (require.cache[batch]) throw new Error("kafkajs was loaded before eddy's read_committed fix: import src/server/kafka/read-committed.ts first");
  const m = new Module(target);
  m.filename = target;
  m.loaded = true;
  m.exports = filterAborted;
  require.cache[target] = m;
}
