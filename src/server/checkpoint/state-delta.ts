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
 * The encoder is rsync/xdelta-like: it walks the new state emitting COPY (old offset, length) and
 * LITERAL (bytes) operations. It first tries the old offset that continues the previous copy (a
 * field rewritten in place), then, at content-defined anchors, an old anchor with the same hash
 * (a run that shifted; delta-anchors.ts); a match is extended backwards into the pending literal
 * and forwards with native `Buffer.compare` in growing steps. It also returns the new state's
 * anchors, derived from the old ones, so the next epoch's delta needs no pass over the state.
 *
 * Layout: "EDD1" | varint old length | varint new length | ops, each a varint `len << 1 | copy`
 * followed by, for a copy, the zigzag varint of (old offset − expected offset) — the expected
 * offset being where the old state would continue were the literals since the last copy in-place
 * edits, so an in-place edit costs one byte — or, for a literal, its bytes.
 */

import { type Anchors, AnchorFinder, AnchorList, anchorsOf, hashAt, isAnchor, roll } from "./delta-anchors";

const MAGIC = [0x45, 0x44, 0x44, 0x31]; // "EDD1"
/** How far from the expected offset a shifted run is looked for among all anchors (beyond: super anchors only). */
const REACH = 512;
/** Shortest copy emitted, and the bytes checked before trusting a candidate offset. */
const CONTINUE_MATCH = 8;

/** A delta that cannot be applied: damaged, or made against another state. */
export class DeltaError extends Error {
  override name = "DeltaError";
}

function plain(b: Uint8Array): Uint8Array {
  return Buffer.isBuffer(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : b;
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
  /** Appends `b[from, to)`. */
  bytes(b: Uint8Array, from = 0, to = b.length): void {
    this.room(to - from);
    copyBytes(b, from, to, this.buf, this.n);
    this.n += to - from;
  }
}

/** Copies `src[from, to)` to `dst` at `at`: a loop for short runs, which are most of them, else native. */
function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): void {
  if (to - from < 64) for (let i = from; i < to; i++) dst[at++] = src[i];
  else dst.set(src.subarray(from, to), at);
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

/** A delta, and the anchors of the new state (to encode the next delta against it). */
export interface EncodedDelta {
  delta: Uint8Array;
  anchors: Anchors;
}

/**
 * The delta that turns `oldState` into `newState` (see the module comment). `oldAnchors` are the
 * old state's anchors when known (the `anchors` of the delta that made it); without them they
 * are computed, a pass over the whole old state.
 */
export function encodeDelta(oldState: Uint8Array, newState: Uint8Array, oldAnchors?: Anchors): EncodedDelta {
  // Plain views to index and slice, Buffer views for the native compare.
  const old = plain(oldState);
  const neu = plain(newState);
  const oldB = asBuffer(oldState);
  const neuB = asBuffer(newState);
  const anchors = oldAnchors ?? anchorsOf(old);
  const finder = new AnchorFinder(anchors);
  const next = new AnchorList(anchors.length + 1024);
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
  let hAt = -1; // h is the hash of the window ending at neu[hAt]
  while (j + CONTINUE_MATCH <= n) {
    let o = -1;
    const c = j + d;
    if (c >= 0 && c + CONTINUE_MATCH <= old.length) {
      let k = 0;
      while (k < CONTINUE_MATCH && old[c + k] === neu[j + k]) k++;
      if (k === CONTINUE_MATCH) o = c;
    }
    if (o < 0) {
      h = roll(hAt === j - 1 ? h : j > 0 ? hashAt(neu, j - 1) : 0, neu[j]);
      hAt = j;
      if (isAnchor(h) && j >= CONTINUE_MATCH) {
        // An old window with the same hash probably holds the same bytes: check the 8 before.
        const t = finder.find(h, c, REACH);
        if (t >= CONTINUE_MATCH && matchLength(oldB, t - CONTINUE_MATCH, neuB, j - CONTINUE_MATCH, CONTINUE_MATCH) === CONTINUE_MATCH) o = t;
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
    const len = j - s + matchLength(oldB, o + (j - s), neuB, j, Math.min(n - j, old.length - o - (j - s)));
    if (len < CONTINUE_MATCH) {
      j++;
      continue;
    }
    if (s > litStart) {
      out.varint((s - litStart) * 2);
      out.bytes(neu, litStart, s);
      next.scan(neu, litStart, s);
      expected += s - litStart;
    }
    const off = o - expected;
    out.varint(len * 2 + 1);
    out.varint(off < 0 ? -2 * off - 1 : 2 * off);
    next.copy(neu, s, len, anchors, o);
    expected = o + len;
    d = o - s;
    j = s + len;
    litStart = j;
  }
  if (n > litStart) {
    out.varint((n - litStart) * 2);
    out.bytes(neu, litStart, n);
    next.scan(neu, litStart, n);
  }
  return { delta: out.buf.slice(0, out.n), anchors: next.done() };
}

/** Reads a delta: varints and bounds, each violation a {@link DeltaError}. */
class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  varint(): number {
    let v = 0;
    let mul = 1;
    const b = this.b;
    for (;;) {
      if (this.pos >= b.length) throw new DeltaError("state delta is truncated");
      const x = b[this.pos++];
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 0x80;
      if (mul > 2 ** 49) throw new DeltaError("state delta has an oversized number");
    }
  }
}

/** Length of the state a delta makes (from its header; a {@link DeltaError} if it has none). */
export function deltaLength(delta: Uint8Array): number {
  for (let i = 0; i < 4; i++) if (delta[i] !== MAGIC[i]) throw new DeltaError("not an eddy state delta");
  const r = new Reader(plain(delta));
  r.pos = 4;
  r.varint();
  return r.varint();
}

/**
 * Applies a delta made by {@link encodeDelta} to the state it was made against. The result goes
 * into a new array, or into the start of `scratch` when that is large enough (it must not overlap
 * the old state): replaying a chain then touches two buffers instead of a fresh one per delta.
 */
export function applyDelta(oldState: Uint8Array, delta: Uint8Array, scratch?: Uint8Array): Uint8Array {
  for (let i = 0; i < 4; i++) if (delta[i] !== MAGIC[i]) throw new DeltaError("not an eddy state delta");
  const old = plain(oldState);
  const src = plain(delta);
  const r = new Reader(src);
  r.pos = 4;
  const oldLen = r.varint();
  if (oldLen !== old.length) throw new DeltaError(`state delta was made against ${oldLen} bytes of state, not ${old.length}`);
  const n = r.varint();
  const out = scratch && scratch.length >= n ? scratch.subarray(0, n) : new Uint8Array(n);
  let at = 0;
  let expected = 0;
  while (at < n) {
    const h = r.varint();
    const len = Math.floor(h / 2);
    if (len === 0 || at + len > n) throw new DeltaError("state delta operation runs past the state's end");
    if (h % 2 === 1) {
      const z = r.varint();
      const o = expected + (z % 2 === 1 ? -(z + 1) / 2 : z / 2);
      if (o < 0 || o + len > old.length) throw new DeltaError("state delta copies from outside the old state");
      copyBytes(old, o, o + len, out, at);
      expected = o + len;
    } else {
      if (r.pos + len > src.length) throw new DeltaError("state delta is truncated");
      copyBytes(src, r.pos, r.pos + len, out, at);
      r.pos += len;
      expected += len;
    }
    at += len;
  }
  if (r.pos !== src.length) throw new DeltaError("state delta has trailing bytes");
  return out;
}
