// The timer wheel of the session kernels (session.ts, session-agg.ts; state in
// session-base-util.ts), which tells advance() which sessions may have ended, and the order
// of emitted rows: (end, key), a total order on sessions (one key's sessions never share an end).
//
// WHEEL slots of max(1, floor(gap / 64)) ms; every session is linked in the slot of its end as
// it was when linked (an overflow list beyond the wheel's reach). Ends only grow, so a session
// found in a due slot with a later end is simply relinked further on; events never touch the
// wheel, and each operation is O(1) (a binary heap cost ~4 cache-missing O(log n) operations
// per session).
import { regrow } from "./mem-util";
import { SessionBase, OPEN, DETACHED, ZOMBIE, WHEEL, hdr, freeRec, unlink } from "./session-base-util";

/** floor(t / slotMs), exact for integer times (f64 division may round up across an integer). */
// @ts-ignore: decorator
@inline function slotOf(s: SessionBase, t: f64): f64 {
  let q = Math.floor(t / s.slotMs);
  if (q * s.slotMs > t) q -= 1;
  return q;
}

// @ts-ignore: decorator
@inline function ring(s: SessionBase, slot: f64): usize {
  return s.wheel + (<usize>(<i64>slot & (WHEEL - 1)) << 2);
}

/** Links record i in the slot of `end` (the cursor's if earlier, the overflow if beyond reach). */
export function wheelLink(s: SessionBase, i: i32, end: f64): void {
  let slot = slotOf(s, end);
  if (s.linked == 0) s.cursor = slot;
  s.linked++;
  if (slot < s.cursor) {
    // Below the cursor (an out-of-order event): its slot is the cursor's, which advance()
    // must then sweep as soon as the watermark reaches this end.
    slot = s.cursor;
    if (end < s.clampMin) s.clampMin = end;
  }
  const r = hdr(s, i);
  if (slot >= s.cursor + <f64>WHEEL) {
    r.tnext = s.overflow;
    s.overflow = i;
    return;
  }
  const h = ring(s, slot);
  r.tnext = load<i32>(h);
  store<i32>(h, i);
}

// ---- emission order: rows leave ordered by (end, key), a total order on sessions ----

/** Grows the sort buffer to `need` 16-byte entries. */
function ensureSort(s: SessionBase, need: i32): void {
  if (need <= s.sortCap) return;
  let ncap = s.sortCap == 0 ? 1024 : s.sortCap;
  while (ncap < need) ncap <<= 1;
  s.sortBuf = regrow(s.sortBuf, <usize>ncap << 4);
  s.sortCap = ncap;
}

/** Appends (end, key, record) to the sort buffer at position k. */
// @ts-ignore: decorator
@inline function sortPut(s: SessionBase, k: i32, end: f64, key: u32, i: i32): void {
  const q = s.sortBuf + (<usize>k << 4);
  store<f64>(q, end);
  store<u32>(q, key, 8);
  store<i32>(q, i, 12);
}

/**
 * Examines the records of one wheel list: a zombie is freed, a session with end <= wm is
 * queued for emission, any other is relinked by its current end. Returns the new row count.
 */
function sweep(s: SessionBase, head: i32, wm: f64, rows: i32): i32 {
  const gap = s.gap;
  let i = head;
  while (i != 0) {
    const r = hdr(s, i);
    const next = r.tnext;
    s.linked--;
    if (r.state == ZOMBIE) {
      freeRec(s, i); // its aggregates were folded into another session, which holds them now
    } else {
      const end = r.last + gap;
      if (end <= wm) {
        if (r.state == OPEN) {
          unlink(s, i);
          r.state = DETACHED;
        }
        ensureSort(s, rows + 1);
        sortPut(s, rows++, end, r.key, i);
      } else {
        wheelLink(s, i, end);
      }
    }
    i = next;
  }
  return rows;
}

/**
 * Queues every session final at `wm` (end <= wm) for emission, sorted: the caller writes row k
 * from record {@link queuedRec}(s, k) and frees it. Returns the row count.
 */
export function queueFinal(s: SessionBase, wm: f64): i32 {
  let rows = 0;
  if (s.linked > 0 && (wm >= s.cursor * s.slotMs || wm >= s.clampMin)) {
    // Due: every slot from the cursor to the watermark's, the latter only in part (it stays
    // the cursor, to be swept again). A jump past the wheel's reach sweeps each slot once.
    const target = wm == Infinity ? s.cursor + <f64>WHEEL : Math.max(s.cursor, slotOf(s, wm));
    const last = Math.min(target, s.cursor + <f64>(WHEEL - 1));
    for (let slot = s.cursor; slot <= last; slot++) {
      const hp = ring(s, slot);
      const head = load<i32>(hp);
      store<i32>(hp, 0);
      s.cursor = slot; // links made while sweeping go to this slot or later
      s.clampMin = Infinity;
      rows = sweep(s, head, wm, rows);
    }
    if (target > last) s.cursor = target;
    // The overflow is rare (sessions ending far beyond the watermark): re-examined each time.
    if (s.overflow != 0) {
      const head = s.overflow;
      s.overflow = 0;
      rows = sweep(s, head, wm, rows);
    }
  }
  if (rows > 0) sortEntries(s.sortBuf, 0, rows - 1);
  return rows;
}

/** Queues every open session, sorted, like {@link queueFinal} (changes nothing). Returns the row count. */
export function queueOpen(s: SessionBase): i32 {
  ensureSort(s, s.live);
  let rows = 0;
  for (let i = 1; i < s.recHi; i++) {
    const r = hdr(s, i);
    if (r.state == OPEN) sortPut(s, rows++, r.last + s.gap, r.key, i);
  }
  if (rows > 0) sortEntries(s.sortBuf, 0, rows - 1);
  return rows;
}

/** The record of queued row k. */
// @ts-ignore: decorator
@inline export function queuedRec(s: SessionBase, k: i32): i32 {
  return load<i32>(s.sortBuf + (<usize>k << 4), 12);
}

// @ts-ignore: decorator
@inline function less(a: usize, b: usize): bool {
  const ea = load<f64>(a), eb = load<f64>(b);
  return ea < eb || (ea == eb && load<u32>(a, 8) < load<u32>(b, 8));
}

// @ts-ignore: decorator
@inline function swap16(a: usize, b: usize): void {
  const x = load<u64>(a), y = load<u64>(a, 8);
  store<u64>(a, load<u64>(b));
  store<u64>(a, load<u64>(b, 8), 8);
  store<u64>(b, x);
  store<u64>(b, y, 8);
}

/** Sorts 16-byte entries [lo, hi] by (f64, u32): quicksort on the smaller side, insertion below 16. */
function sortEntries(base: usize, lo: i32, hi: i32): void {
  while (hi - lo >= 16) {
    swap16(base + (<usize>((lo + hi) >> 1) << 4), base + (<usize>hi << 4)); // middle as pivot
    const pv = base + (<usize>hi << 4);
    let k = lo;
    for (let j = lo; j < hi; j++) {
      if (less(base + (<usize>j << 4), pv)) {
        swap16(base + (<usize>j << 4), base + (<usize>k << 4));
        k++;
      }
    }
    swap16(base + (<usize>k << 4), pv);
    if (k - lo < hi - k) {
      sortEntries(base, lo, k - 1);
      lo = k + 1;
    } else {
      sortEntries(base, k + 1, hi);
      hi = k - 1;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    for (let j = i; j > lo && less(base + (<usize>j << 4), base + (<usize>(j - 1) << 4)); j--) {
      swap16(base + (<usize>j << 4), base + (<usize>(j - 1) << 4));
    }
  }
}
