import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  checkpointFileName,
  decodeCheckpoint,
  encodeCheckpoint,
  FileCheckpointStore,
} from "../../src/server/checkpoint/file-checkpoint-store";
import type { Checkpoint } from "../../src/server/io/types";

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "eddy-ckpt-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function ck(epoch: number, stateBytes = 1000): Checkpoint {
  const state = new Uint8Array(stateBytes);
  for (let i = 0; i < state.length; i++) state[i] = (i * 31 + epoch) & 255;
  return {
    epoch,
    positions: { "clickstream:0": epoch * 100, "transactions:3": epoch },
    state,
    sinks: { files: { version: 1, epoch, lengths: { "page_views.jsonl": epoch * 10 } }, console: null },
    committedAt: 1_767_000_000_000 + epoch,
  };
}

describe("checkpoint file format", () => {
  it("round-trips every field, including an empty state", () => {
    for (const c of [ck(1), ck(42, 0), ck(7, 1 << 16)]) expect(decodeCheckpoint(encodeCheckpoint(c))).toEqual(c);
  });

  it("rejects any flipped byte and any truncation", () => {
    const bytes = encodeCheckpoint(ck(3, 64));
    for (let i = 0; i < bytes.length; i += 7) {
      const b = Buffer.from(bytes);
      b[i] ^= 0x01;
      expect(() => decodeCheckpoint(b), `byte ${i}`).toThrow();
    }
    for (const n of [0, 5, 12, bytes.length - 1]) expect(() => decodeCheckpoint(bytes.subarray(0, n))).toThrow();
  });
});

describe("FileCheckpointStore", () => {
  it("loads nothing from an empty or missing folder", async () => {
    expect(await new FileCheckpointStore({ dir: join(tmp(), "missing") }).load()).toBeUndefined();
  });

  it("commits, loads the newest and keeps the last two", async () => {
    const dir = tmp();
    const store = new FileCheckpointStore({ dir });
    for (let e = 1; e <= 5; e++) await store.commit(ck(e));
    expect(readdirSync(dir).sort()).toEqual([checkpointFileName(4), checkpointFileName(5)]);
    expect(await new FileCheckpointStore({ dir }).load()).toEqual(ck(5));
  });

  it("refuses to commit an epoch that is not after the last one", async () => {
    const store = new FileCheckpointStore({ dir: tmp() });
    await store.commit(ck(5));
    await expect(store.commit(ck(5))).rejects.toThrow(/not after/);
    const restored = new FileCheckpointStore({ dir: store.dir });
    await restored.load();
    await expect(restored.commit(ck(4))).rejects.toThrow(/not after/);
    await restored.commit(ck(6));
  });

  it("skips a torn or corrupted newest checkpoint and a stray temporary", async () => {
    const dir = tmp();
    const store = new FileCheckpointStore({ dir });
    await store.commit(ck(1));
    await store.commit(ck(2));
    // A crash before the rename leaves a temporary: never a checkpoint.
    writeFileSync(join(dir, `${checkpointFileName(3)}.tmp-999`), encodeCheckpoint(ck(3)));
    expect((await new FileCheckpointStore({ dir }).load())?.epoch).toBe(2);
    expect(readdirSync(dir).some((n) => n.includes(".tmp-"))).toBe(false);

    const newest = join(dir, checkpointFileName(2));
    writeFileSync(newest, readFileSync(newest).subarray(0, 100));
    expect(await new FileCheckpointStore({ dir }).load()).toEqual(ck(1));

    // A valid file under the wrong name is not trusted either.
    writeFileSync(join(dir, checkpointFileName(9)), encodeCheckpoint(ck(8)));
    expect((await new FileCheckpointStore({ dir }).load())?.epoch).toBe(1);

    writeFileSync(join(dir, checkpointFileName(1)), "garbage");
    expect(await new FileCheckpointStore({ dir }).load()).toBeUndefined();
  });

  it("honours keep", async () => {
    const dir = tmp();
    const store = new FileCheckpointStore({ dir, keep: 3 });
    for (let e = 10; e <= 14; e++) await store.commit(ck(e, 10));
    expect(readdirSync(dir).sort()).toEqual([12, 13, 14].map(checkpointFileName));
  });
});
