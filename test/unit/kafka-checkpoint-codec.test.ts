import { describe, expect, it } from "vitest";
import { CheckpointAssembler, chunkKey, encodeCheckpoint } from "../../src/server/checkpoint/kafka-checkpoint-codec";
import type { Checkpoint } from "../../src/server/io/types";

const cp = (epoch: number, state: number[]): Checkpoint => ({ epoch, positions: { "t:0": epoch * 10 }, state: new Uint8Array(state), sinks: { s: epoch }, committedAt: epoch });

function feed(a: CheckpointAssembler, messages: ReturnType<typeof encodeCheckpoint>): void {
  for (const m of messages) a.add(Buffer.from(m.key as string), m.value === null ? null : Buffer.from(m.value as Buffer | string), m.headers);
}

describe("Kafka checkpoint codec", () => {
  it("chunks the state, keys the manifest by group, and reassembles the newest checkpoint", () => {
    const msgs = encodeCheckpoint("g", cp(3, [1, 2, 3, 4, 5, 6, 7]), 3);
    expect(msgs.map((m) => m.key)).toEqual([chunkKey("g", 0), chunkKey("g", 1), chunkKey("g", 2), "g"]);
    const a = new CheckpointAssembler("g");
    feed(a, encodeCheckpoint("g", cp(2, [9, 9, 9, 9, 9, 9, 9, 9, 9, 9]), 3)); // older, 4 chunks
    feed(a, msgs);
    feed(a, encodeCheckpoint("other", cp(8, [8]), 3));
    expect(a.result()).toEqual(cp(3, [1, 2, 3, 4, 5, 6, 7]));
  });

  it("handles empty state and no checkpoint", () => {
    const a = new CheckpointAssembler("g");
    expect(a.result()).toBeUndefined();
    feed(a, encodeCheckpoint("g", cp(1, []), 3));
    expect(a.result()).toEqual(cp(1, []));
  });

  it("refuses a manifest whose chunks belong to another epoch", () => {
    const a = new CheckpointAssembler("g");
    const newer = encodeCheckpoint("g", cp(5, [1, 2, 3, 4]), 2);
    feed(a, encodeCheckpoint("g", cp(4, [7, 7, 7, 7]), 2));
    feed(a, [newer[0], newer[2]]); // chunk 1 of epoch 5 missing
    expect(() => a.result()).toThrow(/epoch 5 is missing state chunk 1 of 2/);
  });
});
