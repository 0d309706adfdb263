/**
 * Incremental checkpoints, shared by the Kafka and the file checkpoint stores: each epoch stores
 * either the whole state (a base) or a delta against the state of the previous committed epoch
 * (state-delta.ts), and a checkpoint is a chain — one base and the deltas after it, in order.
 *
 * This is Spark Structured Streaming's state store layout (a delta file per batch and a snapshot
 * every so often; restore = the newest snapshot plus the deltas after it). Where Spark counts
 * deltas, the chain is rebased when its deltas add up to the state's own size (so a restore reads
 * at most about twice the state) or when it reaches {@link ChainPolicy.maxDeltas} deltas (restore
 * applies them one by one). Deltas are deflated (about half the size for a few tens of ms); bases
 * are not: 44 MB of state deflates to about 45 % but takes over a second of CPU at every rebase.
 */
import { createHash, webcrypto } from "node:crypto";
import { promisify } from "node:util";
import { deflateRaw, inflateRaw } from "node:zlib";
import type { Anchors } from "./delta-anchors";
import { applyDelta, deltaLength, encodeDelta } from "./state-delta";

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** One stored step of a chain. */
export interface ChainLink {
  /** The epoch whose commit stored it. */
  epoch: number;
  /** `base`: the whole state; `delta`: a deflated delta against the previous link's state. */
  kind: "base" | "delta";
  /** Payload bytes as stored. */
  bytes: number;
}

/** When a chain is rebased (see the module comment). */
export interface ChainPolicy {
  /** Rebase once the deltas add up to this many times the state's size (default 1). */
  rebaseRatio?: number;
  /** Rebase once the chain has this many deltas (default 32): a restore applies them one by one. */
  maxDeltas?: number;
  /** A state smaller than this is always stored whole: a delta saves nothing worth a chain (default 64 KiB). */
  minDeltaStateBytes?: number;
}

/** What one commit stores. */
export interface ChainStep {
  /** The link this epoch adds. */
  link: ChainLink;
  /** Its payload: the state, or the deflated delta. */
  payload: Uint8Array;
  /** The links a restore of this epoch reads, base first (ends with `link`). */
  chain: ChainLink[];
  /** The state itself, its length and SHA-256 (hex), which a restore checks. */
  state: Uint8Array;
  /** The state's anchors, when the delta encoding produced them (the next delta starts from them). */
  anchors?: Anchors;
  stateBytes: number;
  sha256: string;
}

/** A chain that cannot be rebuilt: a link missing or damaged, or the result not the state committed. */
export class ChainError extends Error {
  override name = "ChainError";
}

/** A checkpoint of a format this build cannot read (written by a newer one). */
export class CheckpointFormatError extends Error {
  override name = "CheckpointFormatError";
}

/** SHA-256 of `b`, hex. */
export function sha256(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

/** SHA-256 of `b`, hex, computed off the main thread. */
async function sha256Async(b: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest("SHA-256", b)).toString("hex");
}

/**
 * Decides, per epoch, between a base and a delta against the last committed state, which it
 * keeps in memory. A store calls {@link reset} after loading (or to start afresh), {@link step}
 * to prepare a commit and {@link adopt} once the commit succeeded; a failed commit adopts nothing,
 * so the next step is computed against the state that is actually committed.
 */
export class StateChain {
  private committed: { state: Uint8Array; chain: ChainLink[]; anchors?: Anchors } | undefined;
  private readonly rebaseRatio: number;
  private readonly maxDeltas: number;
  private readonly minDeltaStateBytes: number;

  constructor(policy: ChainPolicy = {}) {
    this.rebaseRatio = policy.rebaseRatio ?? 1;
    this.maxDeltas = policy.maxDeltas ?? 32;
    this.minDeltaStateBytes = policy.minDeltaStateBytes ?? 64 * 1024;
  }

  /** The chain of the last committed checkpoint ([] when none). */
  get chain(): readonly ChainLink[] {
    return this.committed?.chain ?? [];
  }

  /** What the last committed (or loaded) checkpoint holds; nothing for a fresh start. */
  reset(committed?: { state: Uint8Array; chain: ChainLink[] }): void {
    this.committed = committed && { state: committed.state, chain: [...committed.chain] };
  }

  /** What the commit of `epoch` with `state` stores. */
  async step(epoch: number, state: Uint8Array): Promise<ChainStep> {
    const prev = this.committed;
    // Hashed on the thread pool while the delta is encoded here.
    const digest = sha256Async(state);
    const base = async (): Promise<ChainStep> => {
      const link: ChainLink = { epoch, kind: "base", bytes: state.length };
      return { link, payload: state, chain: [link], state, stateBytes: state.length, sha256: await digest };
    };
    if (!prev || prev.chain.length === 0 || state.length < this.minDeltaStateBytes || prev.chain.length - 1 >= this.maxDeltas) return base();
    const deltaBytes = prev.chain.reduce((s, l) => s + (l.kind === "delta" ? l.bytes : 0), 0);
    if (deltaBytes >= this.rebaseRatio * state.length) return base();
    const encoded = encodeDelta(prev.state, state, prev.anchors);
    prev.anchors = undefined; // the old state's anchors are not needed again (a failed commit recomputes them)
    const payload = new Uint8Array(await deflate(encoded.delta, { level: 1 }));
    // A delta of more than half the state (a rewrite) is not worth a link: start over.
    if (payload.length * 2 > state.length) return base();
    const link: ChainLink = { epoch, kind: "delta", bytes: payload.length };
    return { link, payload, chain: [...prev.chain, link], state, stateBytes: state.length, sha256: await digest, anchors: encoded.anchors };
  }

  /** Makes a committed step the base of the next one. */
  adopt(step: ChainStep): void {
    this.committed = { state: step.state, chain: step.chain, anchors: step.anchors };
  }
}

/**
 * Rebuilds a state from its chain's payloads, base first, checking each link against the chain
 * and the result against the committed length and SHA-256.
 */
export async function materialize(
  chain: readonly ChainLink[],
  payloads: readonly Uint8Array[],
  expected: { stateBytes: number; sha256: string },
): Promise<Uint8Array> {
  if (chain.length === 0 || chain[0].kind !== "base" || chain.slice(1).some((l) => l.kind !== "delta")) {
    throw new ChainError(`a checkpoint chain is one base and then deltas, not ${chain.map((l) => l.kind).join(", ") || "nothing"}`);
  }
  for (let i = 0; i < chain.length; i++) {
    const link = chain[i];
    const p = payloads[i];
    if (p.length !== link.bytes) throw new ChainError(`the ${link.kind} of epoch ${link.epoch} has ${p.length} bytes, the checkpoint says ${link.bytes}`);
  }
  // Inflated on the thread pool, all at once, while the deltas are applied here in order.
  const inflated = payloads.map((p, i) => (i === 0 ? Promise.resolve(p) : inflate(p).then((b) => new Uint8Array(b))));
  for (const p of inflated) p.catch(() => {}); // a failure surfaces below, in chain order
  let state = payloads[0];
  // Two buffers take turns holding the intermediate states; the last delta writes a fresh one.
  const spare: Array<Uint8Array | undefined> = [undefined, undefined];
  for (let i = 1; i < chain.length; i++) {
    try {
      const delta = await inflated[i];
      if (i === chain.length - 1) state = applyDelta(state, delta);
      else {
        // Not the buffer that holds `state`: that is the other one (or the base).
        const k = i % 2;
        const need = deltaLength(delta);
        if ((spare[k]?.length ?? -1) < need) spare[k] = new Uint8Array(Math.ceil(need * 1.05));
        state = applyDelta(state, delta, spare[k]);
      }
    } catch (err) {
      throw new ChainError(`the delta of epoch ${chain[i].epoch} does not apply: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (state.length !== expected.stateBytes || sha256(state) !== expected.sha256) {
    throw new ChainError(`the state rebuilt from epochs ${chain.map((l) => l.epoch).join(", ")} is not the one committed (length or SHA-256 differs)`);
  }
  return state;
}
