/**
 * How a {@link Checkpoint} is laid out on the compacted `eddy-checkpoints` topic.
 *
 * Format 2 (incremental, see state-chain.ts): each epoch stores one link — the whole state or a
 * delta against the previous epoch's — as records keyed `<group>#ckpt-<epoch>-<i>` (parts of at
 * most 512 KiB, since a record batch is limited to about 1 MB by default), followed by one
 * manifest record keyed `<group>` (JSON: epoch, positions, sinks, committedAt, the state's length
 * and SHA-256, and the chain of links a restore reads, base first). All of an epoch's records go
 * in the transaction that commits it, so when a manifest is visible its links are too. When a
 * rebase leaves links unreferenced, the same transaction writes tombstones for their keys: every
 * live key of a group is one the newest manifest references, and compaction — keeping the newest
 * record per key and eventually dropping tombstones — leaves exactly the newest checkpoint, as
 * Kafka Streams' changelog topics do.
 *
 * Format 1 (before incremental checkpoints) wrote the whole state every epoch as records keyed
 * `<group>#state-<i>` plus the manifest; it is still read (kafka-checkpoint-assembler.ts), and
 * its writer stays for tests and for the benchmark's before/after comparison.
 */
import type { IHeaders, Message } from "kafkajs";
import type { Checkpoint } from "../io/types";
import type { ChainLink } from "./state-chain";

/** Default part size: half the broker's default max.message.bytes. */
export const DEFAULT_CHUNK_BYTES = 512 * 1024;

/** Record headers. */
export const H = { kind: "eddy-checkpoint", epoch: "eddy-epoch", chunk: "eddy-chunk" } as const;

/** A link of a format-2 chain as the manifest lists it. */
export type KafkaLink = ChainLink & { parts: number };

/** The manifest record of format 1. */
export interface ManifestV1 {
  v: 1;
  group: string;
  epoch: number;
  committedAt: number;
  positions: Checkpoint["positions"];
  sinks: Checkpoint["sinks"];
  stateBytes: number;
  chunks: number;
}

/** The manifest record of format 2. */
export interface ManifestV2 {
  v: 2;
  group: string;
  epoch: number;
  committedAt: number;
  positions: Checkpoint["positions"];
  sinks: Checkpoint["sinks"];
  state: { bytes: number; sha256: string };
  chain: KafkaLink[];
}

/** The key of chunk `i` of group `group`'s state (format 1). */
export function chunkKey(group: string, i: number): string {
  return `${group}#state-${i}`;
}

/** The key of part `i` of the link stored by epoch `epoch` (format 2). */
export function linkKey(group: string, epoch: number, i: number): string {
  return `${group}#ckpt-${epoch}-${i}`;
}

/** Every record key of a format-2 link. */
export function linkKeys(group: string, link: KafkaLink): string[] {
  return Array.from({ length: link.parts }, (_, i) => linkKey(group, link.epoch, i));
}

function toBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Records a link of `bytes` payload bytes takes (at least one, so an empty state has a record). */
export function partsFor(bytes: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(bytes / chunkBytes));
}

/** What a format-2 commit writes, besides the checkpoint's own fields. */
export interface StepRecords {
  /** The payload of the link this epoch adds (the last of `chain`). */
  payload: Uint8Array;
  /** The chain a restore of this epoch reads, base first, with part counts. */
  chain: KafkaLink[];
  state: { bytes: number; sha256: string };
  /** Keys to tombstone: links the chain dropped, leftovers of format 1. */
  dead: readonly string[];
}

/** The records of one format-2 commit: the new link's parts, the tombstones, and the manifest last. */
export function encodeStep(group: string, cp: Checkpoint, step: StepRecords, chunkBytes: number): Message[] {
  const link = step.chain[step.chain.length - 1];
  const messages: Message[] = [];
  for (let i = 0; i < link.parts; i++) {
    const part = step.payload.subarray(i * chunkBytes, Math.min(step.payload.length, (i + 1) * chunkBytes));
    messages.push({
      key: linkKey(group, link.epoch, i),
      value: toBuffer(part),
      headers: { [H.kind]: `${link.kind}-part`, [H.epoch]: String(link.epoch), [H.chunk]: String(i) },
    });
  }
  for (const key of step.dead) messages.push({ key, value: null, headers: { [H.kind]: "tombstone" } });
  const manifest: ManifestV2 = {
    v: 2,
    group,
    epoch: cp.epoch,
    committedAt: cp.committedAt,
    positions: cp.positions,
    sinks: cp.sinks,
    state: step.state,
    chain: step.chain,
  };
  messages.push({ key: group, value: JSON.stringify(manifest), headers: { [H.kind]: "manifest", [H.epoch]: String(cp.epoch) } });
  return messages;
}

/** The records of one format-1 checkpoint (the whole state), chunks first, manifest last. */
export function encodeCheckpoint(group: string, cp: Checkpoint, chunkBytes = DEFAULT_CHUNK_BYTES): Message[] {
  const state = cp.state;
  const chunks = Math.ceil(state.length / chunkBytes);
  const out: Message[] = [];
  for (let i = 0; i < chunks; i++) {
    const part = state.subarray(i * chunkBytes, Math.min(state.length, (i + 1) * chunkBytes));
    out.push({
      key: chunkKey(group, i),
      value: toBuffer(part),
      headers: { [H.kind]: "state-chunk", [H.epoch]: String(cp.epoch), [H.chunk]: String(i) },
    });
  }
  const manifest: ManifestV1 = {
    v: 1,
    group,
    epoch: cp.epoch,
    committedAt: cp.committedAt,
    positions: cp.positions,
    sinks: cp.sinks,
    stateBytes: state.length,
    chunks,
  };
  out.push({ key: group, value: JSON.stringify(manifest), headers: { [H.kind]: "manifest", [H.epoch]: String(cp.epoch) } });
  return out;
}

/** A header's value as text. */
export function header(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v[0] : v)?.toString();
}
