/**
 * Reads one group's newest checkpoint off the `eddy-checkpoints` topic, in either format
 * (kafka-checkpoint-codec.ts), while the topic is read from the start. Keeps only the newest
 * record per key and honours tombstones, so memory stays at what the newest manifests reference
 * however much uncompacted history the topic holds — and the result is the same whether the
 * cleaner has compacted the topic or not.
 */
import type { IHeaders } from "kafkajs";
import type { Checkpoint } from "../io/types";
import { chunkKey, H, header, type ManifestV1, type ManifestV2, linkKey } from "./kafka-checkpoint-codec";
import { ChainError, CheckpointFormatError } from "./state-chain";

/** A group's newest checkpoint as found on the topic. */
export type FoundCheckpoint =
  | { format: 1; checkpoint: Checkpoint }
  | { format: 2; manifest: ManifestV2; payloads: Uint8Array[] };

interface Part {
  epoch: number;
  chunk: number;
  bytes: Buffer;
}

/** See the module comment. */
export class CheckpointAssembler {
  private manifest: ManifestV1 | ManifestV2 | undefined;
  /** Live state records of the group by key (both formats). */
  private readonly parts = new Map<string, Part>();
  private readonly v1Prefix: string;
  private readonly v2Prefix: string;

  constructor(private readonly group: string) {
    this.v1Prefix = `${group}#state-`;
    this.v2Prefix = `${group}#ckpt-`;
  }

  /** A manifest that could not be read; thrown by {@link result}, not from inside the consumer. */
  private failure: Error | undefined;

  /** Feeds one committed record of the checkpoint topic (any group's; others are skipped). */
  add(key: Buffer | null, value: Buffer | null, headers: IHeaders | undefined): void {
    if (key === null) return;
    const k = key.toString();
    const kind = header(headers, H.kind);
    if (k === this.group && kind === "manifest") {
      if (value === null) return;
      try {
        this.manifest = this.parse(value);
        this.failure = undefined;
      } catch (err) {
        this.failure = err as Error;
      }
      return;
    }
    if (!k.startsWith(this.v1Prefix) && !k.startsWith(this.v2Prefix)) return;
    if (value === null) {
      this.parts.delete(k);
      return;
    }
    const epoch = Number(header(headers, H.epoch));
    const chunk = Number(header(headers, H.chunk));
    const v1 = kind === "state-chunk" && chunkKey(this.group, chunk) === k;
    const v2 = (kind === "base-part" || kind === "delta-part") && linkKey(this.group, epoch, chunk) === k;
    if (v1 || v2) this.parts.set(k, { epoch, chunk, bytes: Buffer.from(value) });
  }

  private parse(value: Buffer): ManifestV1 | ManifestV2 {
    let m: { v?: unknown };
    try {
      m = JSON.parse(value.toString()) as { v?: unknown };
    } catch {
      throw new ChainError(`the newest checkpoint manifest of group '${this.group}' is not JSON`);
    }
    if (m.v !== 1 && m.v !== 2) {
      throw new CheckpointFormatError(`the checkpoint of group '${this.group}' has format ${String(m.v)}, which this eddy build cannot read (it reads 1 and 2): it was written by a newer build`);
    }
    const v2 = m as Partial<ManifestV2>;
    if (m.v === 2 && (!Array.isArray(v2.chain) || typeof v2.state?.sha256 !== "string" || typeof v2.epoch !== "number")) {
      throw new ChainError(`the newest checkpoint manifest of group '${this.group}' is malformed`);
    }
    return m as ManifestV1 | ManifestV2;
  }

  /**
   * Keys of the group's live (not tombstoned) state records: what the next commit tombstones
   * unless its chain still references them.
   */
  liveKeys(): string[] {
    return [...this.parts.keys()];
  }

  /** The newest checkpoint of the group, or undefined when it has none. Throws when torn. */
  result(): FoundCheckpoint | undefined {
    if (this.failure) throw this.failure;
    const m = this.manifest;
    if (!m) return undefined;
    return m.v === 1 ? { format: 1, checkpoint: this.v1(m) } : { format: 2, manifest: m, payloads: m.chain.map((l) => this.link(m, l)) };
  }

  private v1(m: ManifestV1): Checkpoint {
    const state = new Uint8Array(m.stateBytes);
    let at = 0;
    for (let i = 0; i < m.chunks; i++) {
      const c = this.parts.get(chunkKey(this.group, i));
      if (!c || c.epoch !== m.epoch) {
        throw new ChainError(`checkpoint of group '${this.group}' epoch ${m.epoch} is missing state chunk ${i} of ${m.chunks}`);
      }
      if (at + c.bytes.length > state.length) throw new ChainError(`checkpoint of group '${this.group}' epoch ${m.epoch} has more state than its manifest says (${m.stateBytes} bytes)`);
      state.set(c.bytes, at);
      at += c.bytes.length;
    }
    if (at !== m.stateBytes) {
      throw new ChainError(`checkpoint of group '${this.group}' epoch ${m.epoch}: state is ${at} bytes, manifest says ${m.stateBytes}`);
    }
    return { epoch: m.epoch, positions: m.positions, state, sinks: m.sinks, committedAt: m.committedAt };
  }

  private link(m: ManifestV2, l: ManifestV2["chain"][number]): Uint8Array {
    const chunks: Buffer[] = [];
    for (let i = 0; i < l.parts; i++) {
      const p = this.parts.get(linkKey(this.group, l.epoch, i));
      if (!p) throw new ChainError(`checkpoint of group '${this.group}' epoch ${m.epoch} is missing part ${i} of ${l.parts} of the ${l.kind} written by epoch ${l.epoch}`);
      chunks.push(p.bytes);
    }
    return chunks.length === 1 ? new Uint8Array(chunks[0].buffer, chunks[0].byteOffset, chunks[0].byteLength) : new Uint8Array(Buffer.concat(chunks));
  }
}
