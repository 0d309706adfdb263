/**
 * What the gateway reads from: the embedded generator (no Kafka) or real Kafka topics. Both
 * push every message into the {@link Hub} (events) and a {@link MessageLog} (recent messages
 * and live tails for the topic browser), and both accept /collect events.
 */
import type { SourceInfo, TopicInfo } from "../../core/frames";
import type { HistoryReader } from "./history";
import type { Hub } from "./hub";
import type { LoggedMessage, MessageLog } from "./message-log";

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
  /** Kafka's own (`__consumer_offsets`, `_schemas`) and eddy's checkpoints: hidden by default. */
  internal?: boolean;
  partitions: PartitionListing[];
  groups: GroupListing[];
}

/** A consumer group with its committed offsets and lag on every topic it reads. */
export interface GroupSummary {
  groupId: string;
  /** Kafka's group state: Stable, Empty, PreparingRebalance, … */
  state: string;
  members: number;
  lag: number;
  topics: { topic: string; lag: number; partitions: { partition: number; offset: string; end: string; lag: number }[] }[];
}

/** Where a browse starts. */
export type BrowseFrom = { kind: "newest" } | { kind: "offset"; offset: number } | { kind: "time"; ms: number };

/** A request of the topic browser: messages of one topic, from a position, optionally filtered. */
export interface BrowseQuery {
  topic: string;
  /** One partition, or all. */
  partition?: number;
  from: BrowseFrom;
  limit: number;
  /** Keeps messages whose key or value contains this text (case-insensitive). */
  q?: string;
}

/** What a browse found. */
export interface BrowseResult {
  topic: string;
  /** Oldest first (per partition in offset order, partitions merged by timestamp). */
  messages: LoggedMessage[];
  /** Messages looked at (a filter may look at many more than it returns). */
  scanned: number;
  /** False when the scan stopped at its budget before the end of the topic. */
  complete: boolean;
}

/** Names of internal topics: Kafka's (`__…`, `_…`) and eddy's checkpoint topic. */
export function isInternalTopic(name: string): boolean {
  return name.startsWith("_") || name === "eddy-checkpoints";
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
  /** Consumer groups with per-partition lag (none for a source without Kafka). */
  listGroups?(): Promise<GroupSummary[]>;
  /** Reads messages for the topic browser (seek by offset or time, filter). */
  browse?(q: BrowseQuery): Promise<BrowseResult>;
  /** Replays a time range of the input topics for new console tabs. */
  readonly history?: HistoryReader;
  /** Appends messages to a topic (the clickstream topic for /collect). */
  produce(topic: string, messages: OutgoingMessage[]): Promise<void>;
}
