/**
 * Incremental checkpoints on a real broker: many epochs of deltas and rebases reusing and
 * tombstoning keys, restores from fresh stores, a crash in the middle of a commit, and a
 * restore after the broker's log cleaner has really compacted the topic.
 */
import { describe, expect, it } from "vitest";
import { encodeCheckpoint } from "../../src/server/checkpoint/kafka-checkpoint-codec";
import { CHECKPOINT_TOPIC_CONFIG, KafkaCheckpointStore } from "../../src/server/checkpoint/kafka-checkpoint-store";
import { CheckpointRestoreError } from "../../src/server/runner/restore-errors";
import type { Checkpoint } from "../../src/server/io/types";
import { createKafka } from "../../src/server/kafka/client";
import { readToEnd } from "../../src/server/kafka/read-to-end";
import { ensureTopics } from "../../src/server/kafka/topics";
import { TransactionalProducer, transactionalIdFor } from "../../src/server/kafka/transactional-producer";
import { testBrokers, uniqueName } from "../helpers/kafka";
import { waitFor } from "../helpers/wait-for";

/** A 1.2 MB state whose epoch `e` differs from epoch e − 1 in a few kilobytes, some of them shifted. */
function state(e: number): Uint8Array {
  const n = 1_200_000 + e * 16;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  for (let i = 0; i + 8 <= n; i += 8) dv.setFloat64(i, 1.767e12 + i * 3, true);
  for (let k = 1; k <= e; k++) for (let j = 0; j < 200; j++) out[(k * 7919 + j * 4999) % n] = (k * 13 + j) & 0xff;
  return out;
}

const cp = (epoch: number): Checkpoint => ({ epoch, positions: { "in:0": epoch * 100 }, state: state(epoch), sinks: { s: { epoch } }, committedAt: 1_767_000_000_000 + epoch });

function expectCheckpoint(actual: Checkpoint | undefined, epoch: number): void {
  expect(actual && { ...actual, state: undefined }).toEqual({ ...cp(epoch), state: undefined });
  expect(Buffer.from(actual!.state).equals(Buffer.from(state(epoch))), `state of epoch ${epoch}`).toBe(true);
}

function setup(topic = uniqueName("cp-chain")) {
  const kafka = createKafka({ brokers: testBrokers() });
  const group = uniqueName("cp-chain-group");
  const make = () => {
    const producer = new TransactionalProducer(kafka, { transactionalId: transactionalIdFor(group) });
    return new KafkaCheckpointStore({ producer, group, topic, commitOffsets: false, chunkBytes: 256 * 1024, chain: { maxDeltas: 4 } });
  };
  return { kafka, group, topic, make };
}

/** Creates the checkpoint topic as the store would. */
async function ensureTopicsVia(s: ReturnType<typeof setup>): Promise<void> {
  const admin = s.kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic: s.topic, numPartitions: 1, config: CHECKPOINT_TOPIC_CONFIG }]);
  await admin.disconnect();
}

/** Every committed record of the checkpoint topic (key, whether a tombstone). */
async function records(s: ReturnType<typeof setup>): Promise<Array<{ key: string; tombstone: boolean }>> {
  const out: Array<{ key: string; tombstone: boolean }> = [];
  await readToEnd(s.kafka, s.topic, (m) => out.push({ key: m.key!.toString(), tombstone: m.value === null }));
  return out;
}

describe("incremental Kafka checkpoints", () => {
  it("restores every epoch across deltas and rebases, from fresh stores, and after a crash mid-commit", async () => {
    const s = setup();
    let store = s.make();
    expect(await store.load()).toBeUndefined();
    const kinds: string[] = [];
    for (let e = 1; e <= 14; e++) {
      await store.commit(cp(e));
      kinds.push(store.lastCommit!.kind);
      if (e % 5 === 0) {
        // A restart: a new store (and producer) restores and continues the chain.
        await store.close();
        store = s.make();
        expectCheckpoint(await store.load(), e);
      }
    }
    expect(kinds.filter((k) => k === "base").length).toBeGreaterThanOrEqual(3); // maxDeltas 4
    expect(kinds.filter((k) => k === "delta").length).toBeGreaterThanOrEqual(9);

    // A crash in the middle of epoch 15's commit: its records are in the open transaction.
    const producer = (store as unknown as { o: { producer: TransactionalProducer } }).o.producer;
    await producer.send(s.topic, [{ key: `${s.group}#ckpt-15-0`, value: Buffer.from("torn") }, { key: s.group, value: "{\"v\":2}", headers: { "eddy-checkpoint": "manifest" } }]);
    const successor = s.make();
    expectCheckpoint(await successor.load(), 14); // fenced: the broker aborted the crashed transaction
    await store.close().catch(() => {});
    await successor.commit(cp(15));
    expect(successor.lastCommit?.kind).toBe("delta"); // against the restored epoch 14
    await successor.close();
    const last = s.make();
    expectCheckpoint(await last.load(), 15);
    await last.close();

    // Rebases tombstoned the links they no longer needed; the live keys are the newest chain's.
    const live = new Map<string, boolean>();
    for (const r of await records(s)) live.set(r.key, !r.tombstone);
    const liveKeys = [...live].filter(([, alive]) => alive).map(([k]) => k);
    const linkEpochs = new Set(liveKeys.filter((k) => k.startsWith(`${s.group}#ckpt-`)).map((k) => Number(k.split("-").at(-2))));
    expect(Math.min(...linkEpochs)).toBeGreaterThan(5);
    expect([...live.values()].some((alive) => !alive)).toBe(true);
  });

  it("reads a checkpoint of the format before, continues it, and refuses a newer format with the fix", async () => {
    const s = setup();
    const old = new TransactionalProducer(s.kafka, { transactionalId: transactionalIdFor(s.group) });
    await old.open();
    await ensureTopicsVia(s);
    await old.send(s.topic, encodeCheckpoint(s.group, cp(3), 256 * 1024));
    await old.commit();
    await old.close();

    let store = s.make();
    expectCheckpoint(await store.load(), 3);
    await store.commit(cp(4));
    expect(store.lastCommit?.kind).toBe("base");
    await store.commit(cp(5));
    expect(store.lastCommit?.kind).toBe("delta");
    await store.close();
    store = s.make();
    expectCheckpoint(await store.load(), 5);
    const live = new Map<string, boolean>();
    for (const r of await records(s)) live.set(r.key, !r.tombstone);
    expect([...live].filter(([k, alive]) => alive && k.startsWith(`${s.group}#state-`))).toEqual([]); // format-1 chunks tombstoned

    const producer = (store as unknown as { o: { producer: TransactionalProducer } }).o.producer;
    await producer.send(s.topic, [{ key: s.group, value: JSON.stringify({ v: 3 }), headers: { "eddy-checkpoint": "manifest" } }]);
    await producer.commit();
    await store.close();
    const newer = s.make();
    const err = await newer.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointRestoreError);
    expect(String(err)).toMatch(/format 3, which this eddy build cannot read .* use a new --group \(this checkpoint belongs to group/);
    await newer.close();
  });

  it("restores from what the log cleaner leaves of the topic", async () => {
    const s = setup();
    const kafka = s.kafka;
    const admin = kafka.admin();
    await admin.connect();
    // Compacted as eagerly as the broker allows, so the cleaner runs within the test.
    await ensureTopics(admin, [
      {
        topic: s.topic,
        numPartitions: 1,
        config: { ...CHECKPOINT_TOPIC_CONFIG, "segment.ms": "200", "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "0", "min.compaction.lag.ms": "0" },
      },
    ]);
    await admin.disconnect();
    let store = s.make();
    await store.load();
    for (let e = 1; e <= 10; e++) await store.commit(cp(e));
    const firstBase = `${s.group}#ckpt-1-0`; // tombstoned by the rebase at epoch 6
    expect((await records(s)).some((r) => r.key === firstBase && !r.tombstone)).toBe(true);
    // The active segment is never cleaned: keep committing (a segment rolls per 200 ms) until
    // the cleaner has dropped the superseded base.
    let e = 10;
    await waitFor(
      async () => {
        await store.commit(cp(++e));
        return !(await records(s)).some((r) => r.key === firstBase && !r.tombstone);
      },
      "the log cleaner to compact the checkpoint topic",
      180_000,
      500,
    );
    await store.close();
    store = s.make();
    expectCheckpoint(await store.load(), e);
    await store.close();
  });
});
