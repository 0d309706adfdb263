// What the two session kernels share (session.ts, the SPEC one; session-agg.ts, the keyed
// aggregate): the instance fields and record header both extend, the record slab and the
// per-key session lists. Placing an event among its key's sessions: session-place-util.ts;
// the timer wheel and the order of emitted rows: session-wheel-util.ts. Each kernel keeps its
// aggregates, columns and snapshot payload.
//
// Records live in one slab, addressed by 1-based index (0 = none) because the slab may move
// when it grows; the slab starts on a 64-byte boundary. Per key, a list of sessions ordered by
// start (usually one).
import { regrow, zalloc } from "./mem-util";

// Record states.
export const FREE: u32 = 0;
export const OPEN: u32 = 1;
/** Found final while processing and unlinked from its key; the next advance emits it. */
export const DETACHED: u32 = 2;
/** Merged into another session; still linked in the wheel, freed when its slot is reached. */
export const ZOMBIE: u32 = 3;

/** Timer wheel slots. */
export const WHEEL: i32 = 1024;

/** The header of every session record; a kernel's record extends it with its aggregates. */
// @ts-ignore: decorator
@unmanaged
export class SessionRec {
  start: f64 = 0;
  last: f64 = 0;
  key: u32 = 0;
  events: u32 = 0;
  /** Next session of the key (by start), or next free record; 0 = none. */
  next: i32 = 0;
  /** Next record in the same wheel slot; 0 = none. */
  tnext: i32 = 0;
  state: u32 = 0;
}

/** The fields of an instance both kernels have; a kernel's instance extends it. */
// @ts-ignore: decorator
@unmanaged
export class SessionBase {
  gap: f64 = 0;
  batchCap: i32 = 0;
  /** Record size in bytes. */
  stride: i32 = 0;
  /** Late event indices of the last process call (batchCap u32). */
  late: usize = 0;
  // key -> first session record (0 = none), keys below keyHi used
  heads: usize = 0;
  keyCap: i32 = 0;
  keyHi: i32 = 0;
  // session records, 1-based; recs = recsRaw rounded up to 64 bytes
  recs: usize = 0;
  recsRaw: usize = 0;
  recCap: i32 = 0;
  recHi: i32 = 0;
  freeHead: i32 = 0;
  /** OPEN + DETACHED records. */
  live: i32 = 0;
  // timer wheel (session-wheel-util.ts): WHEEL i32 list heads; slots are floor(end / slotMs)
  wheel: usize = 0;
  slotMs: f64 = 0;
  /** Every slot below it is empty. */
  cursor: f64 = 0;
  /** Records in the wheel (zombies included). */
  linked: i32 = 0;
  /** Smallest end linked in the cursor's slot although it belongs before it. */
  clampMin: f64 = 0;
  /** Records whose slot is >= cursor + WHEEL. */
  overflow: i32 = 0;
  // (end, key, record) entries sorted before emission
  sortBuf: usize = 0;
  sortCap: i32 = 0;
}

/** Address of record i (valid until the slab grows). */
// @ts-ignore: decorator
@inline export function recAt(s: SessionBase, i: i32): usize {
  return s.recs + <usize>i * <usize>s.stride;
}
// @ts-ignore: decorator
@inline export function hdr(s: SessionBase, i: i32): SessionRec {
  return changetype<SessionRec>(recAt(s, i));
}

/** Sets up the shared part of a zeroed instance whose records are `stride` bytes. */
export function initBase(s: SessionBase, gap: f64, batchCap: i32, stride: i32): void {
  s.gap = gap;
  s.batchCap = batchCap;
  s.stride = stride;
  s.late = zalloc(<usize>batchCap << 2);
  s.wheel = zalloc(<usize>WHEEL << 2);
  s.recHi = 1;
  s.slotMs = Math.max(1, Math.floor(gap / 64));
  s.clampMin = Infinity;
  ensureRecs(s, 1024);
}

/** Frees the blocks of the shared part. */
export function freeBase(s: SessionBase): void {
  heap.free(s.late);
  heap.free(s.wheel);
  if (s.heads) heap.free(s.heads);
  if (s.recsRaw) heap.free(s.recsRaw);
  if (s.sortBuf) heap.free(s.sortBuf);
}

/** Makes keys [0, need) addressable (heads zeroed). */
export function ensureKeys(s: SessionBase, need: i32): void {
  if (need > s.keyHi) s.keyHi = need;
  if (need <= s.keyCap) return;
  let ncap = s.keyCap == 0 ? 1024 : s.keyCap;
  while (ncap < need) ncap <<= 1;
  s.heads = regrow(s.heads, <usize>ncap << 2);
  memory.fill(s.heads + (<usize>s.keyCap << 2), 0, <usize>(ncap - s.keyCap) << 2);
  s.keyCap = ncap;
}

/** Grows the record slab to at least `need` records (moves it: re-read addresses after). */
export function ensureRecs(s: SessionBase, need: i32): void {
  if (need <= s.recCap) return;
  let ncap = s.recCap == 0 ? 1024 : s.recCap;
  while (ncap < need) ncap <<= 1;
  // realloc (which may grow in place), then shift the records onto a cache line again
  const shift = s.recs - s.recsRaw;
  const raw = regrow(s.recsRaw, <usize>ncap * <usize>s.stride + 64);
  const recs = (raw + 63) & ~(<usize>63);
  if (s.recCap > 0 && recs != raw + shift) memory.copy(recs, raw + shift, <usize>s.recCap * <usize>s.stride);
  s.recsRaw = raw;
  s.recs = recs;
  s.recCap = ncap;
}

/** A fresh record index (the slab may move). */
export function newRec(s: SessionBase): i32 {
  let i = s.freeHead;
  if (i != 0) {
    s.freeHead = hdr(s, i).next;
  } else {
    if (s.recHi >= s.recCap) ensureRecs(s, s.recHi + 1);
    i = s.recHi++;
  }
  s.live++;
  return i;
}

/** Returns record i to the free list (the kernel released what its aggregates hold). */
// @ts-ignore: decorator
@inline export function freeRec(s: SessionBase, i: i32): void {
  const r = hdr(s, i);
  if (r.state != ZOMBIE) s.live--;
  r.state = FREE;
  r.next = s.freeHead;
  s.freeHead = i;
}

/**
 * The batch's largest key must be below MAX_KEYS (`maxKeys`); makes the keys addressable.
 * Returns false when one is not (the batch is rejected).
 */
export function acceptKeys(s: SessionBase, inKey: usize, n: i32, maxKeys: i32): bool {
  let hi: u32 = 0;
  for (let i = 0; i < n; i++) hi = max(hi, load<u32>(inKey + (<usize>i << 2)));
  if (n > 0) {
    if (hi >= <u32>maxKeys) return false;
    ensureKeys(s, <i32>hi + 1);
  }
  return true;
}

/** Late: the event's own window [t, t + gap) is already closed at w (non-finite times too). */
// @ts-ignore: decorator
@inline export function isLate(t: f64, gap: f64, w: f64): bool {
  return !(t + gap > w) || t - t != 0;
}

// ---- per-key session lists ----

/** Unlinks record `i` from its key's list (a linear walk: lists are short). */
export function unlink(s: SessionBase, i: i32): void {
  const headP = s.heads + (<usize>hdr(s, i).key << 2);
  let cur = load<i32>(headP);
  if (cur == i) {
    store<i32>(headP, hdr(s, i).next);
    return;
  }
  while (cur != 0) {
    const r = hdr(s, cur);
    if (r.next == i) {
      r.next = hdr(s, i).next;
      return;
    }
    cur = r.next;
  }
}

/** Points the link before a list position at `to`: the head when prev = 0, else prev.next. */
// @ts-ignore: decorator
@inline export function relink(s: SessionBase, headP: usize, prev: i32, to: i32): void {
  if (prev == 0) store<i32>(headP, to);
  else hdr(s, prev).next = to;
}

/**
 * Calls `write(s, i)` for the sessions a snapshot holds: the open ones key by key (ascending)
 * in start order (restore appends them to their key's list), then the detached ones.
 */
export function forEachLive(s: SessionBase, write: (s: SessionBase, i: i32) => void): void {
  for (let u = 0; u < s.keyHi; u++) {
    let cur = load<i32>(s.heads + (<usize>u << 2));
    while (cur != 0) {
      write(s, cur);
      cur = hdr(s, cur).next;
    }
  }
  for (let i = 1; i < s.recHi; i++) if (hdr(s, i).state == DETACHED) write(s, i);
}
