/**
 * eddy's read_committed filter for kafkajs: records of aborted transactions are dropped whatever
 * order the broker lists the aborted transactions in and however many start before a record.
 */
import { describe, expect, it } from "vitest";
import { filterAborted, INSTALLED } from "../../src/server/kafka/read-committed";

const rec = (offset: number, producerId: string, inTransaction = true) => ({ offset: String(offset), key: Buffer.from("k"), batchContext: { producerId, inTransaction } });
const abort = (offset: number, producerId: string) => ({ offset: String(offset), key: Buffer.from([0, 0, 0, 0]), isControlRecord: true, batchContext: { producerId, inTransaction: true } });
const commit = (offset: number, producerId: string) => ({ offset: String(offset), key: Buffer.from([0, 0, 0, 1]), isControlRecord: true, batchContext: { producerId, inTransaction: true } });
const offsets = (ms: Array<{ offset: string; isControlRecord?: boolean }>) => ms.filter((m) => !m.isControlRecord).map((m) => Number(m.offset));

describe("filterAborted", () => {
  it("drops two producers' aborted records listed in abort order, not first-offset order", () => {
    // p1 aborts 0-1 (marker 5), p2 aborts 2-3 (marker 4), p3 commits 6; the broker lists p2 first.
    const messages = [rec(0, "p1"), rec(1, "p1"), rec(2, "p2"), rec(3, "p2"), abort(4, "p2"), abort(5, "p1"), rec(6, "p3"), commit(7, "p3")];
    const out = filterAborted({ messages, abortedTransactions: [{ firstOffset: "2", producerId: "p2" }, { firstOffset: "0", producerId: "p1" }] });
    expect(offsets(out)).toEqual([6]);
  });

  it("enters every aborted transaction that started before the first fetched record", () => {
    const messages = [rec(10, "a"), rec(11, "b"), rec(12, "c"), abort(13, "a"), abort(14, "b"), abort(15, "c"), rec(16, "a")];
    const out = filterAborted({ messages, abortedTransactions: [{ firstOffset: "3", producerId: "a" }, { firstOffset: "4", producerId: "b" }, { firstOffset: "5", producerId: "c" }] });
    expect(offsets(out)).toEqual([16]);
  });

  it("keeps a fenced producer id's committed records after its aborted transaction", () => {
    const messages = [rec(0, "p"), abort(1, "p"), rec(2, "p"), commit(3, "p"), rec(4, "q", false)];
    expect(offsets(filterAborted({ messages, abortedTransactions: [{ firstOffset: "0", producerId: "p" }] }))).toEqual([2, 4]);
  });

  it("is what kafkajs's batches use", async () => {
    const { createRequire } = await import("node:module");
    const req = createRequire(import.meta.url);
    expect(req("kafkajs/src/consumer/filterAbortedMessages.js")[INSTALLED]).toBe(true);
    expect(req("kafkajs/src/consumer/batch.js")).toBeDefined();
  });
});
