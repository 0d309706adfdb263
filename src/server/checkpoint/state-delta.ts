/**
 * Binary delta between two pipeline snapshots: what an incremental checkpoint writes instead of
 * the whole state.
 *
 * Why a byte-level delta rather than chunks: the kernels serialise their state record by record
 * (sessions key by key, join clicks in bucket order, hash sets slot by slot), so an epoch's events
 * rewrite a few fields in a great many records scattered over the whole snapshot, and insertions
 * shift everything after them. At 300k users and 5k events/s, content-defined 4 KiB chunks still
 * changed about half the snapshot per epoch; this delta is under 2 % of it (bench/e2e.ts measures
 * both).
 *
 * The encoder is rsync/xdelta-like: it indexes the old state at content-defined anchors (where a
 * rolling hash of the last 16 bytes has its top 4 bits clear, one position in 16 on average, so a
 * shifted run keeps its anchors), then walks the new state emitting COPY (old offset, length) and
 * LITERAL (bytes) operations. It first tries the old offset that continues the previous copy (a
 * field rewritten in place), then, at anchors, the index (a shift); a match is extended backwards
 * into the pending literal and forwards with native `Buffer.compare` in growing steps. Anchors
 * rather than every 16th position keep lookups — random reads of a table the size of the state —
 * to one in 16 literal bytes.
 *
 * Layout: "EDD1" | varint old length | varint new length | ops, each a varint `len << 1 | copy`
 * followed by, for a copy, the zigzag varint of (old offset − expected offset) — the expected
 * offset being where the old state would continue were the literals since the last copy in-place
 * edits, so an in-place edit costs one byte — or, for a literal, its bytes.
 */

const MAGIC = [0x45, 0x44, 0x44, 0x31]; // "EDD1"
/**
 * Anchors — the positions indexed — are where the rolling hash's top 4 bits are 0: one in 16 on
 * average, wherever the content puts them, so a shifted run keeps its anchors.
 */
const ANCHOR_SHIFT = 28;
const ANCHOR_GAP = 16;
/** The rolling hash shifts by 2 per byte: it covers the last 16 bytes. */
const GEAR_SHIFT = 2;
/** Bytes the rolling hash covers. */
const WINDOW = 16;
/** Shortest copy emitted, and the bytes checked before trusting a candidate offset. */
const CONTINUE_MATCH = 8;
const MUL = 0x9e3779b1 | 0;

/** A delta that cannot be applied: damaged, or made against another state. */
export class DeltaError extends Error {
  override name = "DeltaError";
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Growable output with varints. */
class Out {
  buf: Uint8Array;
  n = 0;
  constructor(cap: number) {
    this.buf = new Uint8Array(Math.max(64, cap));
  }
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.n + k, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }
  varint(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.n++] = v;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
}

/** Length of the common run of old[o..] and neu[j..], at most `max`. */
function matchLength(old: Buffer, o: number, neu: Buffer, j: number, max: number): number {
  let len = 0;
  while (len < 32 && len < max && old[o + len] === neu[j + len]) len++;
  if (len < 32) return len;
  let step = 256;
  for (;;) {
    if (len + step > max) step = max - len;
    if (step <= 64) break;
    if (neu.compare(old, o + len, o + len + step, j + len, j + len + step) === 0) {
      len += step;
      if (step < 1 << 16) step *= 2;
    } else step >>= 2;
  }
  while (len < max && old[o + len] === neu[j + len]) len++;
  return len;
}

/** Gear table of the rolling hash (fixed: the delta format does not depend on it, only its size). */
const GEAR = (() => {
  const g = new Int32Array(256);
  let x = 0x2545f491;
  for (let i = 0; i < 256; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    g[i] = x;
  }
  return g;
})();

/** The delta that turns `oldState` into `newState` (see the module comment). */
export function encodeDelta(oldState: Uint8Array, newState: Uint8Array): Uint8Array {
  const old = asBuffer(oldState);
  const neu = asBuffer(newState);
  const table = anchorTable(old);
  const shift = 32 - Math.log2(table.length);
  const out = new Out(1024 + (neu.length >> 6));
  out.bytes(Uint8Array.from(MAGIC));
  out.varint(old.length);
  out.varint(neu.length);
  const n = neu.length;
  let expected = 0; // old offset where the old state continues if the literals since the last copy replaced bytes in place
  let d = 0; // old offset − new offset of the last copy
  let litStart = 0;
  let j = 0;
  let h = 0;
  let hAt = -1; // the rolling hash h covers neu[..hAt]
  while (j + CONTINUE_MATCH <= n) {
    let o = -1;
    const c = j + d;
    if (c >= 0 && c + CONTINUE_MATCH <= old.length) {
      let k = 0;
      while (k < CONTINUE_MATCH && old[c + k] === neu[j + k]) k++;
      if (k === CONTINUE_MATCH) o = c;
    }
    if (o < 0) {
      if (hAt !== j - 1) {
        h = 0;
        for (let k = Math.max(0, j - WINDOW); k < j; k++) h = ((h << GEAR_SHIFT) + GEAR[neu[k]]) | 0;
      }
      h = ((h << GEAR_SHIFT) + GEAR[neu[j]]) | 0;
      hAt = j;
      if (h >>> ANCHOR_SHIFT === 0) {
        // Same hash: the old window ending at t probably equals the new one ending at j.
        const t = table[Math.imul(h, MUL) >>> shift] - 1;
        const m = Math.min(CONTINUE_MATCH, j, t);
        if (t >= 0 && m === CONTINUE_MATCH && matchLength(old, t - m, neu, j - m, m) === m) o = t;
      }
    }
    if (o < 0) {
      j++;
      continue;
    }
    let s = j;
    while (s > litStart && o > 0 && old[o - 1] === neu[s - 1]) {
      s--;
      o--;
    }
    const len = j - s + matchLength(old, o + (j - s), neu, j, Math.min(n - j, old.length - o - (j - s)));
    if (len < CONTINUE_MATCH) {
      j++;
      continue;
    }
    if (s > litStart) {
      out.varint((s - litStart) * 2);
      out.bytes(neu.subarray(litStart, s));
      expected += s - litStart;
    }
    const off = o - expected;
    out.varint(len * 2 + 1);
    out.varint(off < 0 ? -2 * off - 1 : 2 * off);
    expected = o + len;
    d = o - s;
    j = s + len;
    litStart = j;
  }
  if (n > litStart) {
    out.varint((n - litStart) * 2);
    out.bytes(neu.subarray(litStart, n));
  }
  return out.buf.slice(0, out.n);
}

/** Anchor hash → 1 + the anchor's position in `old` (0 = none; a later anchor overwrites). */
function anchorTable(old: Uint8Array): Int32Array {
  const bits = Math.max(10, Math.min(26, Math.ceil(Math.log2(Math.max(1, old.length / ANCHOR_GAP) * 2))));
  const shift = 32 - bits;
  const table = new Int32Array(1 << bits);
  let h = 0;
  const n = old.length;
  for (let i = 0; i < n; i++) {
    h = ((h << GEAR_SHIFT) + GEAR[old[i]]) | 0;
    if (h >>> ANCHOR_SHIFT === 0) table[Math.imul(h, MUL) >>> shift] = i + 1;
  }
  return table;
}

/** Reads a varint at `pos[0]` (advancing it); throws a {@link DeltaError} past `end`. */
function readVarint(b: Uint8Array, pos: number[]): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    if (pos[0] >= b.length) throw new DeltaError("state delta is truncated");
    const x = b[pos[0]++];
    v += (x & 0x7f) * mul;
    if (x < 0x80) return v;
    mul *= 0x80;
    if (mul > 2 ** 49) throw new DeltaError("state delta has an oversized number");
  }
}

/** The old length a delta was made against (to check it before applying). */
export function deltaBaseLength(delta: Uint8Array): number {
  for (let i = 0; i < 4; i++) if (delta[i] !== MAGIC[i]) throw new DeltaError("not an eddy state delta");
  return readVarint(delta, [4]);
}

/** Applies a delta made by {@link encodeDelta} to the state it was made against. */
export function applyDelta(oldState: Uint8Array, delta: Uint8Array): Uint8Array {
  for (let i = 0; i < 4; i++) if (delta[i] !== MAGIC[i]) throw new DeltaError("not an eddy state delta");
  const pos = [4];
  const oldLen = readVarint(delta, pos);
  if (oldLen !== oldState.length) throw new DeltaError(`state delta was made against ${oldLen} bytes of state, not ${oldState.length}`);
  const n = readVarint(delta, pos);
  const out = new Uint8Array(n);
  let at = 0;
  let expected = 0;
  while (at < n) {
    const h = readVarint(delta, pos);
    const len = Math.floor(h / 2);
    if (len === 0 || at + len > n) throw new DeltaError("state delta operation runs past the state's end");
    if (h % 2 === 1) {
      const z = readVarint(delta, pos);
      const o = expected + (z % 2 === 1 ? -(z + 1) / 2 : z / 2);
      if (o < 0 || o + len > oldState.length) throw new DeltaError("state delta copies from outside the old state");
      out.set(oldState.subarray(o, o + len), at);
      expected = o + len;
    } else {
      if (pos[0] + len > delta.length) throw new DeltaError("state delta is truncated");
      out.set(delta.subarray(pos[0], pos[0] + len), at);
      pos[0] += len;
      expected += len;
    }
    at += len;
  }
  if (pos[0] !== delta.length) throw new DeltaError("state delta has trailing bytes");
  return out;
}
