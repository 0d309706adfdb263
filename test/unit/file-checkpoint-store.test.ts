import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decodeCheckpointFile, encodeCheckpointFile, encodeFullCheckpoint, type FileHeader } from "../../src/server/checkpoint/file-checkpoint-format";
import { checkpointFileName, FileCheckpointStore } from "../../src/server/checkpoint/file-checkpoint-store";
import { sha256 } from "../../src/server/checkpoint/state-chain";
import type { Checkpoint } from "../../src/server/io/types";
import { CheckpointRestoreError } from "../../src/server/runner/restore-errors";

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

/** A format-2 file holding `c`'s whole state as its base, and its header. */
function baseFile(c: Checkpoint): { header: FileHeader; bytes: Buffer } {
  const header: FileHeader = {
    epoch: c.epoch,
    positions: c.positions,
    sinks: c.sinks,
    committedAt: c.committedAt,
    state: { bytes: c.state.length, sha256: sha256(c.state) },
    chain: [{ epoch: c.epoch, kind: "base", bytes: c.state.length }],
  };
  return { header, bytes: encodeCheckpointFile(header, c.state) };
}

describe("checkpoint file format", () => {
  it("round-trips every field of both formats, including an empty state", () => {
    for (const c of [ck(1), ck(42, 0), ck(7, 1 << 16)]) {
      expect(decodeCheckpointFile(encodeFullCheckpoint(c))).toEqual({ format: 1, checkpoint: c });
      const { header, bytes } = baseFile(c);
      expect(decodeCheckpointFile(bytes)).toEqual({ format: 2, header, payload: c.state });
    }
  });

  it("rejects any flipped byte and any truncation", () => {
    for (const bytes of [encodeFullCheckpoint(ck(3, 64)), baseFile(ck(3, 64)).bytes]) {
      for (let i = 0; i < bytes.length; i += 7) {
        const b = Buffer.from(bytes);
        b[i] ^= 0x01;
        expect(() => decodeCheckpointFile(b), `byte ${i}`).toThrow();
      }
      for (const n of [0, 5, 12, bytes.length - 1]) expect(() => decodeCheckpointFile(bytes.subarray(0, n))).toThrow();
    }
  });
});

/** A 300 KB state whose epoch `e` differs from epoch e − 1 in a few hundred bytes. */
function big(e: number): Checkpoint {
  const n = 300_000;
  const state = new Uint8Array(n);
  for (let i = 0; i < n; i++) state[i] = (i * 131) >>> 3;
  for (let k = 1; k <= e; k++) for (let j = 0; j < 40; j++) state[(k * 7919 + j * 4999) % n] = (k * 13 + j) & 0xff;
  return { ...ck(e, 0), state };
}

/** Compares checkpoints, the state as bytes (deep equality of 300 KB arrays is slow). */
function same(actual: Checkpoint | undefined, expected: Checkpoint): void {
  expect(actual && { ...actual, state: Buffer.from(actual.state).toString("base64") }).toEqual({ ...expected, state: Buffer.from(expected.state).toString("base64") });
}

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
    writeFileSync(join(dir, `${checkpointFileName(3)}.tmp-999`), baseFile(ck(3)).bytes);
    expect((await new FileCheckpointStore({ dir }).load())?.epoch).toBe(2);
    expect(readdirSync(dir).some((n) => n.includes(".tmp-"))).toBe(false);

    const newest = join(dir, checkpointFileName(2));
    writeFileSync(newest, readFileSync(newest).subarray(0, 100));
    expect(await new FileCheckpointStore({ dir }).load()).toEqual(ck(1));

    // A valid file under the wrong name is not trusted either.
    writeFileSync(join(dir, checkpointFileName(9)), baseFile(ck(8)).bytes);
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

  it("stores deltas of a large state, and restores the chain they form", async () => {
    const dir = tmp();
    const store = new FileCheckpointStore({ dir });
    const kinds: string[] = [];
    for (let e = 1; e <= 6; e++) {
      await store.commit(big(e));
      kinds.push(store.lastCommit!.kind);
      if (e > 1) expect(store.lastCommit!.bytes).toBeLessThan(3_000); // against 300 KB of state
    }
    expect(kinds).toEqual(["base", "delta", "delta", "delta", "delta", "delta"]);
    expect(readdirSync(dir).sort()).toEqual([1, 2, 3, 4, 5, 6].map(checkpointFileName)); // the chain of the newest
    same(await new FileCheckpointStore({ dir }).load(), big(6));

    // A restarted store goes on with a delta against what it loaded.
    const again = new FileCheckpointStore({ dir });
    await again.load();
    await again.commit(big(7));
    expect(again.lastCommit).toMatchObject({ kind: "delta", chainLength: 7 });
    same(await new FileCheckpointStore({ dir }).load(), big(7));
  });

  it("rebases, then deletes the files no kept checkpoint needs", async () => {
    const dir = tmp();
    const store = new FileCheckpointStore({ dir, chain: { maxDeltas: 2 } });
    for (let e = 1; e <= 7; e++) await store.commit(big(e)); // bases at 1, 4, 7
    // Kept: 7 (a base) and 6, whose chain is 4, 5, 6.
    expect(readdirSync(dir).sort()).toEqual([4, 5, 6, 7].map(checkpointFileName));
    same(await new FileCheckpointStore({ dir }).load(), big(7));
  });

  it("falls back past a damaged delta, or a damaged file of the chain, to what still restores", async () => {
    const dir = tmp();
    const store = new FileCheckpointStore({ dir, keep: 4, chain: { maxDeltas: 3 } });
    for (let e = 1; e <= 7; e++) await store.commit(big(e)); // bases at 1 and 5
    const damage = (e: number) => {
      const f = join(dir, checkpointFileName(e));
      const b = readFileSync(f);
      b[b.length >> 1] ^= 0xff;
      writeFileSync(f, b);
    };
    damage(7);
    same(await new FileCheckpointStore({ dir }).load(), big(6));
    damage(5); // the base of 6 and 7
    const back = await new FileCheckpointStore({ dir }).load();
    expect(back?.epoch).toBe(4); // kept, with its chain 1–4, as the fourth-newest checkpoint
    same(back, big(4));
  });

  it("ignores a commit that crashed before its rename", async () => {
    const dir = tmp();
    const store = new FileCheckpointStore({ dir });
    for (let e = 1; e <= 3; e++) await store.commit(big(e));
    writeFileSync(join(dir, `${checkpointFileName(4)}.tmp-999`), readFileSync(join(dir, checkpointFileName(3))).subarray(0, 50));
    same(await new FileCheckpointStore({ dir }).load(), big(3));
  });

  it("reads a format-1 checkpoint, continues it with a base, and later deletes it", async () => {
    const dir = tmp();
    writeFileSync(join(dir, checkpointFileName(5)), encodeFullCheckpoint(big(5)));
    const store = new FileCheckpointStore({ dir });
    same(await store.load(), big(5));
    await store.commit(big(6));
    expect(store.lastCommit?.kind).toBe("base");
    await store.commit(big(7));
    expect(store.lastCommit?.kind).toBe("delta");
    expect(readdirSync(dir).sort()).toEqual([6, 7].map(checkpointFileName));
    same(await new FileCheckpointStore({ dir }).load(), big(7));
  });

  it("refuses a checkpoint of a newer format with the fix, rather than starting afresh", async () => {
    const dir = tmp();
    const b = baseFile(ck(4)).bytes;
    b.write("EDDYCKP3", 0, "latin1");
    writeFileSync(join(dir, checkpointFileName(4)), b);
    const err = await new FileCheckpointStore({ dir }).load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointRestoreError);
    expect(String(err)).toMatch(/format 3 cannot be read by this eddy build .*newer build; run that build, or use a new --output or --checkpoint-dir folder/);
  });
});
