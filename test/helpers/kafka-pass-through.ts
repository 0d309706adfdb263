/**
 * A miniature runner over the real Kafka source, sink and checkpoint store, for exactly-once
 * tests: every valid input record becomes one `page_views` row whose `product_id` names the
 * record (`topic/partition/offset`) and whose `views` is a running count per partition kept in
 * the checkpointed state; a record whose value is `bad` goes to the DLQ. After any number of
 * crashes, the committed output must hold every valid record once, with counts 1..n per
 * partition in offset order — which holds only if rows, offsets and state commit together.
 */
import type { Epoch, OutputRow, SideRecord } from "../../src/server/io/types";
import { positionKey } from "../../src/server/io/types";
import { KafkaCheckpointStore } from "../../src/server/checkpoint/kafka-checkpoint-store";
import { createKafka } from "../../src/server/kafka/client";
import { TransactionalProducer, transactionalIdFor } from "../../src/server/kafka/transactional-producer";
import { KafkaSink } from "../../src/server/sinks/kafka-sink";
import { KafkaSource } from "../../src/server/sources/kafka-source";

/** Options of {@link runPassThrough}. */
export interface PassThroughOptions {
  brokers: string[];
  group: string;
  inputTopics: string[];
  resultsTopic: string;
  checkpointTopic: string;
  /** Commit after this many polled records (default 100). */
  checkpointEvery?: number;
  /** Records per poll (default 50). */
  pollMax?: number;
  /** Pause after each poll, to make a run last long enough to be interrupted (default 0). */
  slowMs?: number;
  untilEnd?: boolean;
  sessionTimeoutMs?: number;
  /** Called once the source started (the child prints "ready"). */
  onReady?: () => void;
  /** Called after each committed epoch. */
  onCommit?: (epoch: number) => void;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Runs until the (bounded) input ends or an error is thrown; resolves with the last epoch. */
export async function runPassThrough(o: PassThroughOptions): Promise<number> {
  const t0 = Date.now();
  const trace = (m: string) => process.env.EDDY_TRACE && process.stderr.write(`[pass-through ${((Date.now() - t0) / 1000).toFixed(1)}] ${m}\n`);
  const kafka = createKafka({ brokers: o.brokers, clientId: "eddy-pass-through", connectionTimeoutMs: 1000, retries: 3 });
  const producer = new TransactionalProducer(kafka, { transactionalId: transactionalIdFor(o.group), operationTimeoutMs: 20_000 });
  const store = new KafkaCheckpointStore({ producer, group: o.group, topic: o.checkpointTopic, loadTimeoutMs: 30_000 });
  const sink = new KafkaSink({ producer, resultsTopic: o.resultsTopic, topics: { page_views: [o.resultsTopic] } });
  const source = new KafkaSource({
    kafka, brokers: o.brokers, group: o.group, topics: o.inputTopics, untilEnd: o.untilEnd,
    sessionTimeoutMs: o.sessionTimeoutMs ?? 6000, brokerDownTimeoutMs: 30_000,
  });
  try {
    await sink.open();
    trace("sink open");
    const cp = await store.load();
    trace(`loaded epoch ${cp?.epoch}`);
    await sink.recover(cp);
    const counts: Record<string, number> = cp ? JSON.parse(dec.decode(cp.state)) : {};
    let epoch = cp ? cp.epoch : 0;
    await source.start(cp?.positions);
    trace("source started");
    o.onReady?.();
    let rows: OutputRow[] = [];
    let dlq: SideRecord[] = [];
    let pending = 0;
    const commit = async () => {
      const e: Epoch = { id: epoch + 1, rows, dlq, late: [] };
      trace(`prepare ${e.id}`);
      const sinks = { kafka: await sink.prepare(e) };
      trace(`commit ${e.id}`);
      await store.commit({ epoch: e.id, positions: source.positions(), state: enc.encode(JSON.stringify(counts)), sinks, committedAt: Date.now() });
      epoch = e.id;
      rows = [];
      dlq = [];
      pending = 0;
      o.onCommit?.(epoch);
    };
    for (;;) {
      const records = await source.poll(200, o.pollMax ?? 50);
      if (records === null) break;
      for (const r of records) {
        const value = r.value === null ? "" : typeof r.value === "string" ? r.value : dec.decode(r.value);
        if (value === "bad") {
          dlq.push({ record: r, reason: "bad input" });
          continue;
        }
        const tp = positionKey(r.topic, r.partition);
        counts[tp] = (counts[tp] ?? 0) + 1;
        rows.push({ metric: "page_views", window_start: 0, window_end: 60_000, product_id: `${r.topic}/${r.partition}/${r.offset}`, views: counts[tp] });
      }
      pending += records.length;
      if (pending >= (o.checkpointEvery ?? 100)) await commit();
      if (o.slowMs) await new Promise((r) => setTimeout(r, o.slowMs));
    }
    await commit();
    return epoch;
  } catch (err) {
    trace(`failed: ${(err as Error).message}`);
    throw err;
  } finally {
    await source.close();
    await sink.close();
    await store.close();
  }
}
