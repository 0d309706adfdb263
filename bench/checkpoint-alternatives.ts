/**
 * What other incremental layouts would have written for the same pair of consecutive snapshots,
 * to show why checkpoints store a byte-level delta (src/server/checkpoint/state-delta.ts):
 *
 *  - fixed 512 KiB chunks of the snapshot, a chunk rewritten when its hash changed;
 *  - whole named states (each operator state, dictionary, watermark) rewritten when changed;
 *  - content-defined chunks of ~4 KiB per named state (a gear hash picks the boundaries, so an
 *    insertion moves no boundary after it), a chunk rewritten when new.
 *
 * Each returns the bytes of new chunks (no manifest overhead counted, in their favour).
 */
import { createHash } from "node:crypto";
import { decodeSnapshot } from "../src/core/pipeline/snapshot";

const GEAR = (() => {
  const g = new Int32Array(256);
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < 256; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    g[i] = x;
  }
  return g;
})();

function fixedChunks(b: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, Math.min(b.length, i + size)));
  return out;
}

/** Chunks of 1–16 KiB, 4 KiB on average, cut where the rolling hash's top 12 bits are clear. */
function cdcChunks(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  while (start < b.length) {
    const end = Math.min(b.length, start + 16_384);
    let i = Math.min(end, start + 1024);
    let h = 0;
    for (; i < end; i++) {
      h = ((h << 1) + GEAR[b[i]]) | 0;
      if (h >>> 20 === 0) {
        i++;
        break;
      }
    }
    out.push(b.subarray(start, i));
    start = i;
  }
  return out;
}

function namedStates(snapshot: Uint8Array): Uint8Array[] {
  const p = decodeSnapshot(snapshot);
  return [...p.dicts.values(), ...p.watermarks.values(), ...[...p.ops.values()].flatMap((m) => [...m.values()])];
}

const digest = (c: Uint8Array) => createHash("sha256").update(c).digest("base64");

function newBytes(prev: Uint8Array[], next: Uint8Array[]): number {
  const seen = new Set(prev.map(digest));
  let n = 0;
  for (const c of next) if (!seen.has(digest(c))) n += c.length;
  return n;
}

/** Bytes each alternative layout writes to go from `prev` to `next`. */
export function alternativeBytes(prev: Uint8Array, next: Uint8Array): Record<string, number> {
  const prevStates = namedStates(prev);
  const nextStates = namedStates(next);
  return {
    "fixed 512 KiB chunks": newBytes(fixedChunks(prev, 512 * 1024), fixedChunks(next, 512 * 1024)),
    "named states": newBytes(prevStates, nextStates),
    "content-defined 4 KiB chunks": newBytes(prevStates.flatMap(cdcChunks), nextStates.flatMap(cdcChunks)),
  };
}
