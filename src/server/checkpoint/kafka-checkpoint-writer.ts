/**
 * What a Kafka checkpoint commit sends (layout: kafka-checkpoint-codec.ts), kept apart from the
 * transaction so that it can be tested without a broker: the chain decides base or delta
 * (state-chain.ts), and the writer adds the part counts, the tombstones of every live key the new
 * chain no longer references, and the manifest.
 */
import type { Message } from "kafkajs";
import type { Checkpoint } from "../io/types";
import { DEFAULT_CHUNK_BYTES, encodeStep, type KafkaLink, linkKeys, partsFor } from "./kafka-checkpoint-codec";
import { type ChainPolicy, StateChain } from "./state-chain";

/** What one commit sends, and how to adopt it once the transaction committed. */
export interface PreparedCommit {
  messages: Message[];
  kind: "base" | "delta";
  /** Keys plus values of `messages`. */
  bytes: number;
  chainLength: number;
  /** Call once the transaction committed; a commit that failed is simply dropped. */
  adopt(): void;
}

/** See the module comment. */
export class KafkaChainWriter {
  private readonly chain: StateChain;
  /** The committed chain with its records' part counts. */
  private links: KafkaLink[] = [];
  /** Keys of the group's live state records. */
  private live = new Set<string>();

  constructor(
    private readonly group: string,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
    policy?: ChainPolicy,
  ) {
    this.chain = new StateChain(policy);
  }

  /**
   * What the topic holds for the group (after a load): the restored state and chain, if a
   * format-2 checkpoint was restored, and the keys of every live state record.
   */
  reset(liveKeys: Iterable<string>, restored?: { state: Uint8Array; chain: KafkaLink[] }): void {
    this.live = new Set(liveKeys);
    this.links = restored?.chain ?? [];
    this.chain.reset(restored);
  }

  /** The records of the commit of `cp`. */
  async prepare(cp: Checkpoint): Promise<PreparedCommit> {
    const step = await this.chain.step(cp.epoch, cp.state);
    const byEpoch = new Map(this.links.map((l) => [l.epoch, l]));
    const link: KafkaLink = { ...step.link, parts: partsFor(step.payload.length, this.chunkBytes) };
    const chain = step.chain.map((l) => (l.epoch === link.epoch ? link : byEpoch.get(l.epoch)!));
    const keys = new Set(chain.flatMap((l) => linkKeys(this.group, l)));
    const dead = [...this.live].filter((k) => !keys.has(k));
    const messages = encodeStep(this.group, cp, { payload: step.payload, chain, state: { bytes: step.stateBytes, sha256: step.sha256 }, dead }, this.chunkBytes);
    let bytes = 0;
    for (const m of messages) bytes += Buffer.byteLength(m.key as string) + (m.value == null ? 0 : typeof m.value === "string" ? Buffer.byteLength(m.value) : m.value.length);
    return {
      messages,
      kind: link.kind,
      bytes,
      chainLength: chain.length,
      adopt: () => {
        this.chain.adopt(step);
        this.links = chain;
        this.live = keys;
      },
    };
  }
}
