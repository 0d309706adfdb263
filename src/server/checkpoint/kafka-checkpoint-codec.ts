/**
 * How a {@link Checkpoint} is laid out on the compacted `eddy-checkpoints` topic.
 *
 * A snapshot can be megabytes while a record batch is limited to about 1 MB by default, so the
 * state travels in chunks: records keyed `<group>#state-<i>` carrying raw bytes, followed by one
 * manifest record keyed `<group>` (JSON: epoch, positions, sinks, committedAt, state size and
 * chunk count). All of one checkpoint's records are sent in the same transaction, so when a
 * manifest is visible its chunks are too. Compaction keeps the newest record per key, i.e. the
 * newest manifest and the newest chunk of each index; every chunk names its epoch in a header so
 * {@link CheckpointAssembler} can check it belongs to the manifest. Chunk keys left over from an
 * older, larger snapshot are simply ignored.
 */
import type { IHeaders, Message } from "kafkajs";
import type { Checkpoint } from "../io/types";

/** Default chunk size: half the broker's default max.message.bytes. */
export const DEFAULT_CHUNK_BYTES = 512 * 1024;

const KIND = "eddy-checkpoint";
const EPOCH = "eddy-epoch";
const CHUNK = "eddy-chunk";

interface Manifest {
  v: 1;
  group: string;
  epoch: number;
  committedAt: number;
  positions: Checkpoint["positions"];
  sinks: Checkpoint["sinks"];
  stateBytes: number;
  chunks: number;
}

/** The key of chunk `i` of group `group`'s state. */
export function chunkKey(group: string, i: number): string {
  return `${group}#state-${i}`;
}

/** The records of one checkpoint, chunks first, manifest (key = group) last. */
export function encodeCheckpoint(group: string, cp: Checkpoint, chunkBytes = DEFAULT_CHUNK_BYTES): Message[] {
  const state = cp.state;
  const chunks = Math.ceil(state.length / chunkBytes);
  const out: Message[] = [];
  for (let i = 0; i < chunks; i++) {
    const part = state.subarray(i * chunkBytes, Math.min(state.length, (i + 1) * chunkBytes));
    out.push({
      key: chunkKey(group, i),
      value: Buffer.from(part.buffer, part.byteOffset, part.byteLength),
      headers: { [KIND]: "state-chunk", [EPOCH]: String(cp.epoch), [CHUNK]: String(i) },
    });
  }
  const manifest: Manifest = {
    v: 1,
    group,
    epoch: cp.epoch,
    committedAt: cp.committedAt,
    positions: cp.positions,
    sinks: cp.sinks,
    stateBytes: state.length,
    chunks,
  };
  out.push({ key: group, value: JSON.stringify(manifest), headers: { [KIND]: "manifest", [EPOCH]: String(cp.epoch) } });
  return out;
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v[0] : v)?.toString();
}

/**
 * Collects one group's newest manifest and chunks while the topic is read from the start, and
 * assembles the checkpoint at the end. Keeps only the newest record per key, so memory stays at
 * one snapshot however much uncompacted history the topic holds.
 */
export class CheckpointAssembler {
  private manifest: Manifest | undefined;
  private readonly chunks = new Map<number, { epoch: number; bytes: Buffer }>();

  constructor(private readonly group: string) {}

  /** Feeds one committed record of the checkpoint topic (any group's; others are skipped). */
  add(key: Buffer | null, value: Buffer | null, headers: IHeaders | undefined): void {
    if (key === null || value === null) return;
    const k = key.toString();
    const kind = header(headers, KIND);
    if (k === this.group && kind === "manifest") {
      this.manifest = JSON.parse(value.toString()) as Manifest;
    } else if (kind === "state-chunk" && k.startsWith(`${this.group}#state-`)) {
      const i = Number(header(headers, CHUNK));
      if (chunkKey(this.group, i) !== k) return;
      this.chunks.set(i, { epoch: Number(header(headers, EPOCH)), bytes: Buffer.from(value) });
    }
  }

  /** The newest checkpoint of the group, or undefined when it has none. Throws when torn. */
  result(): Checkpoint | undefined {
    const m = this.manifest;
    if (!m) return undefined;
    const state = new Uint8Array(m.stateBytes);
    let at = 0;
    for (let i = 0; i < m.chunks; i++) {
      const c = this.chunks.get(i);
      if (!c || c.epoch !== m.epoch) {
        throw new Error(`checkpoint of group '${this.group}' epoch ${m.epoch} is missing state chunk ${i} of ${m.chunks}`);
      }
      state.set(c.bytes, at);
      at += c.bytes.length;
    }
    if (at !== m.stateBytes) {
      throw new Error(`checkpoint of group '${this.group}' epoch ${m.epoch}: state is ${at} bytes, manifest says ${m.stateBytes}`);
    }
    return { epoch: m.epoch, positions: m.positions, state, sinks: m.sinks, committedAt: m.committedAt };
  }
}
