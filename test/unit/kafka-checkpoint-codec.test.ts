import type { Message } from "kafkajs";
import { describe, expect, it } from "vitest";
import { CheckpointAssembler } from "../../src/server/checkpoint/kafka-checkpoint-assembler";
import { chunkKey, encodeCheckpoint, type ManifestV2 } from "../../src/server/checkpoint/kafka-checkpoint-codec";
import { KafkaChainWriter } from "../../src/server/checkpoint/kafka-checkpoint-writer";
import { ChainError, CheckpointFormatError, materialize } from "../../src/server/checkpoint/state-chain";
import type { Checkpoint } from "../../src/server/io/types";

const cp = (epoch: number, state: Uint8Array | number[]): Checkpoint => ({ epoch, positions: { "t:0": epoch * 10 }, state: Uint8Array.from(state), sinks: { s: epoch }, committedAt: epoch });

/** A 300 KB state whose epoch `e` differs from epoch e − 1 in a few hundred bytes. */
function state(e: number, n = 300_000): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131) >>> 3;
  for (let k = 1; k <= e; k++) for (let j = 0; j < 40; j++) out[(k * 7919 + j * 4999) % n] = (k * 13 + j) & 0xff;
  return out;
}

type Rec = { key: string; value: Buffer | null; headers: Message["headers"] };

/** A partition of the checkpoint topic: the full log, and what compaction would leave of it. */
class Topic {
  readonly log: Rec[] = [];
  append(messages: Message[]): void {
    for (const m of messages) this.log.push({ key: m.key as string, value: m.value == null ? null : Buffer.from(m.value as Buffer | string), headers: m.headers });
  }
  /** The newest record per key, tombstones gone (after delete.retention.ms). */
  compacted(): Rec[] {
    const newest = new Map<string, Rec>();
    for (const r of this.log) {
      newest.delete(r.key);
      newest.set(r.key, r);
    }
    return [...newest.values()].filter((r) => r.value !== null);
  }
}

function assemble(group: string, records: Rec[]): CheckpointAssembler {
  const a = new CheckpointAssembler(group);
  for (const r of records) a.add(Buffer.from(r.key), r.value, r.headers);
  return a;
}

/** What a restore of `group` yields from `records`. */
async function restore(group: string, records: Rec[]): Promise<Checkpoint | undefined> {
  const found = assemble(group, records).result();
  if (!found || found.format === 1) return found?.checkpoint;
  const m = found.manifest;
  const s = await materialize(m.chain, found.payloads, { stateBytes: m.state.bytes, sha256: m.state.sha256 });
  return { epoch: m.epoch, positions: m.positions, state: s, sinks: m.sinks, committedAt: m.committedAt };
}

/** Compares checkpoints, the state as bytes (deep equality of 300 KB arrays is slow). */
function same(actual: Checkpoint | undefined, expected: Checkpoint): void {
  expect(actual && { ...actual, state: Buffer.from(actual.state).toString("base64") }).toEqual({ ...expected, state: Buffer.from(expected.state).toString("base64") });
}

async function commit(w: KafkaChainWriter, topic: Topic, c: Checkpoint) {
  const p = await w.prepare(c);
  topic.append(p.messages);
  p.adopt();
  return p;
}

describe("Kafka checkpoint codec, format 1 (still read)", () => {
  it("chunks the state, keys the manifest by group, and reassembles the newest checkpoint", async () => {
    const msgs = encodeCheckpoint("g", cp(3, [1, 2, 3, 4, 5, 6, 7]), 3);
    expect(msgs.map((m) => m.key)).toEqual([chunkKey("g", 0), chunkKey("g", 1), chunkKey("g", 2), "g"]);
    const t = new Topic();
    t.append(encodeCheckpoint("g", cp(2, [9, 9, 9, 9, 9, 9, 9, 9, 9, 9]), 3)); // older, 4 chunks
    t.append(msgs);
    t.append(encodeCheckpoint("other", cp(8, [8]), 3));
    same(await restore("g", t.log), cp(3, [1, 2, 3, 4, 5, 6, 7]));
    expect(await restore("g", [])).toBeUndefined();
  });

  it("refuses a manifest whose chunks belong to another epoch", () => {
    const t = new Topic();
    const newer = encodeCheckpoint("g", cp(5, [1, 2, 3, 4]), 2);
    t.append(encodeCheckpoint("g", cp(4, [7, 7, 7, 7]), 2));
    t.append([newer[0], newer[2]]); // chunk 1 of epoch 5 missing
    expect(() => assemble("g", t.log).result()).toThrow(/epoch 5 is missing state chunk 1 of 2/);
  });
});

describe("Kafka checkpoint codec, format 2 (incremental)", () => {
  it("writes the whole state once, then only deltas whose manifests reference the older links", async () => {
    const t = new Topic();
    const w = new KafkaChainWriter("g", 64 * 1024);
    const sent: Array<{ kind: string; keys: string[]; bytes: number }> = [];
    for (let e = 1; e <= 5; e++) {
      const p = await commit(w, t, cp(e, state(e)));
      sent.push({ kind: p.kind, keys: p.messages.map((m) => m.key as string), bytes: p.bytes });
    }
    expect(sent[0].kind).toBe("base");
    expect(sent[0].keys).toEqual(["g#ckpt-1-0", "g#ckpt-1-1", "g#ckpt-1-2", "g#ckpt-1-3", "g#ckpt-1-4", "g"]);
    for (const [i, s] of sent.slice(1).entries()) {
      expect(s.kind).toBe("delta");
      expect(s.keys).toEqual([`g#ckpt-${i + 2}-0`, "g"]); // the base is never written again
      expect(s.bytes).toBeLessThan(3_000); // against 300 KB of state
    }
    const manifest = JSON.parse(t.log.at(-1)!.value!.toString()) as ManifestV2;
    expect(manifest.chain.map((l) => [l.epoch, l.kind, l.parts])).toEqual([[1, "base", 5], [2, "delta", 1], [3, "delta", 1], [4, "delta", 1], [5, "delta", 1]]);
    same(await restore("g", t.log), cp(5, state(5)));
    same(await restore("g", t.compacted()), cp(5, state(5)));
  });

  it("restores the newest epoch after many rebases, from the full log or what compaction leaves, which is only that epoch's records", async () => {
    const t = new Topic();
    const w = new KafkaChainWriter("g", 64 * 1024, { maxDeltas: 3 });
    const other = new KafkaChainWriter("g2", 64 * 1024, { maxDeltas: 2 });
    let tombstones = 0;
    for (let e = 1; e <= 23; e++) {
      const p = await commit(w, t, cp(e, state(e)));
      tombstones += p.messages.filter((m) => m.value === null).length;
      await commit(other, t, cp(e, state(e + 100)));
      for (const view of [t.log, t.compacted()]) {
        expect((await restore("g", view))?.epoch).toBe(e);
      }
    }
    expect(tombstones).toBeGreaterThan(0);
    same(await restore("g", t.log), cp(23, state(23)));
    same(await restore("g", t.compacted()), cp(23, state(23)));
    same(await restore("g2", t.compacted()), cp(23, state(123)));
    // Compaction leaves the manifest and the links its chain names, nothing older.
    const manifest = JSON.parse(t.compacted().find((r) => r.key === "g")!.value!.toString()) as ManifestV2;
    const expected = manifest.chain.flatMap((l) => Array.from({ length: l.parts }, (_, i) => `g#ckpt-${l.epoch}-${i}`));
    expect(t.compacted().filter((r) => r.key === "g" || r.key.startsWith("g#")).map((r) => r.key).sort()).toEqual([...expected, "g"].sort());
  });

  it("continues from a restored chain, and a commit that never committed leaves nothing behind", async () => {
    const t = new Topic();
    const first = new KafkaChainWriter("g", 64 * 1024);
    for (let e = 1; e <= 3; e++) await commit(first, t, cp(e, state(e)));
    await first.prepare(cp(4, state(4))); // aborted: never appended, never adopted

    // A restarted runner: load, then go on from epoch 4 with a delta against epoch 3.
    const a = assemble("g", t.log);
    const found = a.result();
    if (found?.format !== 2) throw new Error("expected format 2");
    const restored = await restore("g", t.log);
    const w = new KafkaChainWriter("g", 64 * 1024);
    w.reset(a.liveKeys(), { state: restored!.state, chain: found.manifest.chain });
    const p = await commit(w, t, cp(4, state(4)));
    expect(p.kind).toBe("delta");
    expect(p.chainLength).toBe(4);
    same(await restore("g", t.compacted()), cp(4, state(4)));
  });

  it("upgrades a format-1 checkpoint: the first commit is a base and tombstones the old chunks", async () => {
    const t = new Topic();
    t.append(encodeCheckpoint("g", cp(7, state(7)), 64 * 1024));
    const a = assemble("g", t.log);
    expect(a.result()?.format).toBe(1);
    const w = new KafkaChainWriter("g", 64 * 1024);
    w.reset(a.liveKeys());
    const p = await commit(w, t, cp(8, state(8)));
    expect(p.kind).toBe("base");
    expect(p.messages.filter((m) => m.value === null).map((m) => m.key)).toEqual([0, 1, 2, 3, 4].map((i) => chunkKey("g", i)));
    expect(t.compacted().some((r) => r.key.startsWith("g#state-"))).toBe(false);
    same(await restore("g", t.compacted()), cp(8, state(8)));
  });

  it("refuses a newer format and a chain with a missing part, naming what is wrong", async () => {
    const t = new Topic();
    t.append([{ key: "g", value: JSON.stringify({ v: 3 }), headers: { "eddy-checkpoint": "manifest" } }]);
    expect(() => assemble("g", t.log).result()).toThrow(CheckpointFormatError); // thrown after the read, not inside the consumer

    const u = new Topic();
    const w = new KafkaChainWriter("g", 64 * 1024);
    await commit(w, u, cp(1, state(1)));
    const p = await w.prepare(cp(2, state(2)));
    u.append(p.messages.filter((m) => m.key !== "g#ckpt-2-0"));
    expect(() => assemble("g", u.log).result()).toThrow(ChainError);
    expect(() => assemble("g", u.log).result()).toThrow(/epoch 2 is missing part 0 of 1 of the delta written by epoch 2/);
  });
});
