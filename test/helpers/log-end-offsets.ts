/**
 * The log end offset (high watermark) of every partition of a topic: the offset after its last
 * record, transactional or not. kafkajs's admin asks with read_committed isolation and so returns
 * the last stable offset, which stops before a transaction whose commit markers have not landed
 * yet (they reach the partitions a moment after the commit returns). A read that must see every
 * row of a finished run therefore needs the log end, as Kafka's Java consumer gives with
 * `endOffsets()` under read_uncommitted; kafkajs exposes that only through its own cluster client
 * with read_uncommitted isolation, which this helper borrows (test code only).
 */
import type { Kafka } from "kafkajs";

/** A partition's earliest offset and log end offset. */
export interface PartitionEnds {
  partition: number;
  low: number;
  high: number;
}

interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number }>;
  fetchTopicsOffset(
    topics: Array<{ topic: string; fromBeginning: boolean; partitions: Array<{ partition: number }> }>,
  ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}

const READ_UNCOMMITTED = 0;

function readUncommittedCluster(kafka: Kafka): Cluster {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === "private:Kafka:createCluster");
  const create = key && (kafka as unknown as Record<symbol, unknown>)[key];
  if (typeof create !== "function") throw new Error("this kafkajs version has no cluster factory; log-end-offsets.ts must be updated for it");
  return create({ metadataMaxAge: 300_000, allowAutoTopicCreation: false, isolationLevel: READ_UNCOMMITTED }) as Cluster;
}

/** The earliest and log end offsets of every partition of `topic`, in partition order. */
export async function logEndOffsets(kafka: Kafka, topic: string): Promise<PartitionEnds[]> {
  const cluster = readUncommittedCluster(kafka);
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    await cluster.refreshMetadataIfNecessary();
    const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => ({ partition: p.partitionId }));
    const at = async (fromBeginning: boolean) => {
      const [res] = await cluster.fetchTopicsOffset([{ topic, fromBeginning, partitions }]);
      return new Map(res.partitions.map((p) => [p.partition, Number(p.offset)]));
    };
    const low = await at(true);
    const high = await at(false);
    return partitions.map(({ partition }) => ({ partition, low: low.get(partition)!, high: high.get(partition)! })).sort((a, b) => a.partition - b.partition);
  } finally {
    await cluster.disconnect().catch(() => {});
  }
}
