/**
 * What the gateway reads from: the embedded generator (no Kafka) or real Kafka topics. Both
 * push every message into the {@link Hub} (events) and a {@link MessageLog} (recent messages
 * and live tails for the topic browser), and both accept /collect events.
 */
import type { SourceInfo, TopicInfo } from "../../core/frames";
import type { Hub } from "./hub";
import type { MessageLog } from "./message-log";

/** One partition of a topic listing. */
export interface PartitionListing {
  partition: number;
  /** Earliest offset still held. */
  low: string;
  /** Offset the next message will get. */
  high: string;
  messages: number;
}

/** A consumer group's position on a topic. */
export interface GroupListing {
  groupId: string;
  lag: number;
  partitions: { partition: number; offset: string; lag: number }[];
}

/** One topic of /api/topics. */
export interface TopicListing {
  name: string;
  /** Input kind when the gateway forwards it, else null. */
  kind: TopicInfo["kind"] | null;
  partitions: PartitionListing[];
  groups: GroupListing[];
}

/** A message to produce (from /collect). */
export interface OutgoingMessage {
  key: string | null;
  value: string;
}

/** See the module comment. */
export interface GatewaySource {
  readonly info: SourceInfo;
  /** Input topics it forwards. */
  readonly topics: TopicInfo[];
  /** Topic of the runner's result rows, or null (embedded). */
  readonly resultsTopic: string | null;
  /** Starts reading; messages go to `hub` and `log`. Rejects with a clear error when it cannot. */
  start(hub: Hub, log: MessageLog): Promise<void>;
  stop(): Promise<void>;
  listTopics(): Promise<TopicListing[]>;
  /** Appends messages to a topic (the clickstream topic for /collect). */
  produce(topic: string, messages: OutgoingMessage[]): Promise<void>;
}
