// Session windows per user (SPEC `sessions`), conventions in layout.ts; the semantics are
// those of src/core/reference/session.ts (Spark's session_window):
// - an event at t opens the window [t, t + gap); overlapping windows of one user merge, so
//   events closer than gap share a session and exactly gap apart do not;
// - an event is late when t + gap <= wm[i] (Spark drops input rows whose session window end
//   is <= the watermark); late events change nothing and are listed;
// - a session is final once wm >= last + gap. An on-time event that meets a session already
//   final at wm[i] closes it first (as Spark evicts it) and starts a new one, so results do
//   not depend on whether advance() ran in between.
//
// State: a slab of 56-byte session records, per user a list of open sessions ordered by start
// (usually one), and a timer wheel that tells advance() which sessions may have ended: 1,024
// slots of gap/64 ms each, every session linked in the slot of its end as it was when linked
// (an overflow list beyond the wheel's reach). Ends only grow, so a session found in a due
// slot with a later end is simply relinked further on; events never touch the wheel, and
// each operation is O(1) (a binary heap cost ~4 cache-missing O(log n) operations per session).
import { handleNew, handlePtr, handleFree } from "./handle-util";
import { KIND_SESSION, ERR_HANDLE, ERR_BATCH, ERR_CONFIG, ERR_KEY_RANGE, ERR_SNAPSHOT_CORRUPT, MAX_KEYS } from "./layout";
import { wBegin, wEnd, wI32, wU32, wF64, wI64, rBegin, rI32, rU32, rF64, rI64, rDone } from "./bytes-util";

const FORMAT: i32 = 1;
const KIND_VIEW: u8 = 1;
const KIND_PURCHASE: u8 = 2;

const FREE: u32 = 0;
const OPEN: u32 = 1;
/** Found final while pushing and unlinked from its user; advance() emits it. */
const DETACHED: u32 = 2;
/** Merged into another session; still linked in the wheel, freed when its slot is reached. */
const ZOMBIE: u32 = 3;
const WHEEL: i32 = 1024;

@unmanaged class Sess {
  start: f64 = 0;
  last: f64 = 0;
  revenue: i64 = 0;
  user: u32 = 0;
  events: u32 = 0;
  views: u32 = 0;
  purchases: u32 = 0;
  next: i32 = 0; // next session of the user (or next free record), 0 = none
  tnext: i32 = 0; // next record in the same wheel slot, 0 = none
  state: u32 = 0;
  pad: u32 = 0;
}
const REC: usize = 56;

@unmanaged class SState {
  gap: f64 = 0;
  batchCap: i32 = 0;
  inUser: usize = 0;
  inT: usize = 0;
  inKind: usize = 0;
  inAmount: usize = 0;
  inWm: usize = 0;
  late: usize = 0;
  // user id -> first record index (0 = none)
  heads: usize = 0;
  userCap: i32 = 0;
  userHi: i32 = 0;
  // session records, 1-based (index 0 unused)
  recs: usize = 0;
  recCap: i32 = 0;
  recHi: i32 = 0; // records ever used: 1..recHi-1
  freeHead: i32 = 0;
  live: i32 = 0; // OPEN + DETACHED records
  // timer wheel: WHEEL i32 list heads; slot numbers are floor(end / slotMs)
  wheel: usize = 0;
  slotMs: f64 = 0;
  cursor: f64 = 0; // every slot below it is empty
  linked: i32 = 0; // records in the wheel (zombies included)
  clampMin: f64 = 0; // smallest end linked in the cursor's slot although it belongs before it
  overflow: i32 = 0; // records whose slot is >= cursor + WHEEL
  // output columns
  outCap: i32 = 0;
  oUser: usize = 0;
  oStart: usize = 0;
  oEnd: usize = 0;
  oDur: usize = 0;
  oEvents: usize = 0;
  oViews: usize = 0;
  oPurch: usize = 0;
  oRev: usize = 0;
  // (end, user, rec) entries sorted before emission
  sortBuf: usize = 0;
  sortCap: i32 = 0;
}

// @ts-ignore: decorator
@inline function resize(p: usize, bytes: usize): usize {
  return p == 0 ? heap.alloc(bytes) : heap.realloc(p, bytes);
}

// @ts-ignore: decorator
@inline function rec(s: SState, i: i32): Sess {
  return changetype<Sess>(s.recs + <usize>i * REC);
}

function create(gap: f64, batchCap: i32): i32 {
  if (batchCap <= 0 || !(gap > 0) || gap == Infinity) return ERR_CONFIG;
  const s = changetype<SState>(heap.alloc(offsetof<SState>()));
  memory.fill(changetype<usize>(s), 0, offsetof<SState>());
  s.gap = gap;
  s.batchCap = batchCap;
  const cap = <usize>batchCap;
  s.inUser = heap.alloc(cap << 2);
  s.inT = heap.alloc(cap << 3);
  s.inKind = heap.alloc(cap);
  s.inAmount = heap.alloc(cap << 3);
  s.inWm = heap.alloc(cap << 3);
  s.late = heap.alloc(cap << 2);
  s.recHi = 1;
  s.wheel = heap.alloc(<usize>WHEEL << 2);
  memory.fill(s.wheel, 0, <usize>WHEEL << 2);
  s.slotMs = Math.max(1, Math.floor(gap / 64));
  s.clampMin = Infinity;
  ensureRecs(s, 1024);
  ensureOut(s, 1024);
  return handleNew(KIND_SESSION, changetype<usize>(s));
}

function ensureUsers(s: SState, need: i32): void {
  if (need > s.userHi) s.userHi = need;
  if (need <= s.userCap) return;
  let ncap = s.userCap == 0 ? 1024 : s.userCap;
  while (ncap < need) ncap <<= 1;
  s.heads = resize(s.heads, <usize>ncap << 2);
  memory.fill(s.heads + (<usize>s.userCap << 2), 0, <usize>(ncap - s.userCap) << 2);
  s.userCap = ncap;
}

function ensureRecs(s: SState, need: i32): void {
  if (need <= s.recCap) return;
  let ncap = s.recCap == 0 ? 1024 : s.recCap;
  while (ncap < need) ncap <<= 1;
  s.recs = resize(s.recs, <usize>ncap * REC);
  s.recCap = ncap;
}

function ensureOut(s: SState, need: i32): void {
  if (need <= s.outCap) return;
  let ncap = s.outCap == 0 ? 1024 : s.outCap;
  while (ncap < need) ncap <<= 1;
  const n = <usize>ncap;
  s.oUser = resize(s.oUser, n << 2);
  s.oStart = resize(s.oStart, n << 3);
  s.oEnd = resize(s.oEnd, n << 3);
  s.oDur = resize(s.oDur, n << 3);
  s.oEvents = resize(s.oEvents, n << 2);
  s.oViews = resize(s.oViews, n << 2);
  s.oPurch = resize(s.oPurch, n << 2);
  s.oRev = resize(s.oRev, n << 3);
  s.outCap = ncap;
}

function newRec(s: SState): i32 {
  let i = s.freeHead;
  if (i != 0) {
    s.freeHead = rec(s, i).next;
  } else {
    if (s.recHi >= s.recCap) ensureRecs(s, s.recHi + 1);
    i = s.recHi++;
  }
  s.live++;
  return i;
}

function freeRec(s: SState, i: i32): void {
  const r = rec(s, i);
  if (r.state != ZOMBIE) s.live--;
  r.state = FREE;
  r.next = s.freeHead;
  s.freeHead = i;
}

// ---- timer wheel ----

/** floor(t / slotMs), exact for integer times (f64 division may round up across an integer). */
// @ts-ignore: decorator
@inline function slotOf(s: SState, t: f64): f64 {
  let q = Math.floor(t / s.slotMs);
  if (q * s.slotMs > t) q -= 1;
  return q;
}

// @ts-ignore: decorator
@inline function ring(s: SState, slot: f64): usize {
  return s.wheel + (<usize>(<i64>slot & (WHEEL - 1)) << 2);
}

/** Links record i in the slot of `end` (the cursor's if earlier, the overflow if beyond reach). */
function wheelLink(s: SState, i: i32, end: f64): void {
  let slot = slotOf(s, end);
  if (s.linked == 0) s.cursor = slot;
  s.linked++;
  if (slot < s.cursor) {
    // Below the cursor (an out-of-order event): its slot is the cursor's, which advance()
    // must then sweep as soon as the watermark reaches this end.
    slot = s.cursor;
    if (end < s.clampMin) s.clampMin = end;
  }
  const r = rec(s, i);
  if (slot >= s.cursor + <f64>WHEEL) {
    r.tnext = s.overflow;
    s.overflow = i;
    return;
  }
  const h = ring(s, slot);
  r.tnext = load<i32>(h);
  store<i32>(h, i);
}

// ---- events ----

/** Unlinks record `i` from its user's list (a linear walk: lists are short). */
function unlink(s: SState, i: i32): void {
  const u = rec(s, i).user;
  const headP = s.heads + (<usize>u << 2);
  let cur = load<i32>(headP);
  if (cur == i) {
    store<i32>(headP, rec(s, i).next);
    return;
  }
  while (cur != 0) {
    const r = rec(s, cur);
    if (r.next == i) {
      r.next = rec(s, i).next;
      return;
    }
    cur = r.next;
  }
}

/** Points the link before a user's list position at `to`: the head when prev = 0, else prev.next. */
// @ts-ignore: decorator
@inline function relink(s: SState, headP: usize, prev: i32, to: i32): void {
  if (prev == 0) store<i32>(headP, to);
  else rec(s, prev).next = to;
}

function addEvent(s: SState, u: u32, t: f64, kind: u8, amount: f64, wm: f64): void {
  const gap = s.gap;
  const headP = s.heads + (<usize>u << 2);
  // Records are addressed by index, not pointer: newRec() may move the slab.
  let prev = 0;
  let cur = load<i32>(headP);
  let target = 0;
  while (cur != 0) {
    const r = rec(s, cur);
    const next = r.next;
    const end = r.last + gap;
    if (end <= wm) {
      // Final at wm[i] already: detach it (advance() emits it) and go on.
      relink(s, headP, prev, next);
      r.state = DETACHED;
      cur = next;
      continue;
    }
    if (r.start >= t + gap) break; // this and all later sessions start after the event's window
    if (t < end) {
      if (target == 0) {
        target = cur;
        if (t < r.start) r.start = t;
        if (t > r.last) r.last = t;
        r.events++;
        if (kind == KIND_VIEW) r.views++;
        else if (kind == KIND_PURCHASE) {
          r.purchases++;
          r.revenue += <i64>amount;
        }
      } else {
        // The event bridged two sessions: fold this one into the target and free it.
        const tg = rec(s, target);
        if (r.last > tg.last) tg.last = r.last;
        tg.events += r.events;
        tg.views += r.views;
        tg.purchases += r.purchases;
        tg.revenue += r.revenue;
        relink(s, headP, prev, next);
        r.state = ZOMBIE; // still in the wheel: freed when its slot comes
        s.live--;
        cur = next;
        continue;
      }
    }
    prev = cur;
    cur = next;
  }
  if (target != 0) return;
  const i = newRec(s);
  const r = rec(s, i);
  r.start = t;
  r.last = t;
  r.user = u;
  r.events = 1;
  r.views = kind == KIND_VIEW ? 1 : 0;
  r.purchases = kind == KIND_PURCHASE ? 1 : 0;
  r.revenue = kind == KIND_PURCHASE ? <i64>amount : 0;
  r.state = OPEN;
  // Insert before `cur` (the first session starting after the event's window, or none).
  r.next = cur;
  relink(s, headP, prev, i);
  wheelLink(s, i, t + gap);
}

function emit(s: SState, row: i32, r: Sess): void {
  const gap = s.gap;
  const o = <usize>row;
  store<u32>(s.oUser + (o << 2), r.user);
  store<f64>(s.oStart + (o << 3), r.start);
  store<f64>(s.oEnd + (o << 3), r.last + gap);
  store<f64>(s.oDur + (o << 3), r.last - r.start);
  store<u32>(s.oEvents + (o << 2), r.events);
  store<u32>(s.oViews + (o << 2), r.views);
  store<u32>(s.oPurch + (o << 2), r.purchases);
  store<f64>(s.oRev + (o << 3), <f64>r.revenue);
}

// ---- exports ----

/** Creates a session kernel (gap in ms) for batches of up to `batchCap` events; returns its handle. */
export function session_create(gapMs: f64, batchCap: i32): i32 {
  return create(gapMs, batchCap);
}

/** Input column pointer: 0 = user (u32), 1 = t (f64), 2 = kind (u8), 3 = amount cents (f64), 4 = wm (f64). */
export function session_in(h: i32, col: i32): usize {
  const p = handlePtr(h, KIND_SESSION);
  if (p == 0) return 0;
  const s = changetype<SState>(p);
  switch (col) {
    case 0: return s.inUser;
    case 1: return s.inT;
    case 2: return s.inKind;
    case 3: return s.inAmount;
    case 4: return s.inWm;
  }
  return 0;
}

/** Ascending indices (u32) of the late events of the last process call. */
export function session_late(h: i32): usize {
  const p = handlePtr(h, KIND_SESSION);
  return p == 0 ? 0 : changetype<SState>(p).late;
}

/**
 * Output column pointer: 0 = user (u32), 1 = start, 2 = end, 3 = duration (f64), 4 = events,
 * 5 = views, 6 = purchases (u32), 7 = revenue cents (f64).
 */
export function session_out(h: i32, col: i32): usize {
  const p = handlePtr(h, KIND_SESSION);
  if (p == 0) return 0;
  const s = changetype<SState>(p);
  switch (col) {
    case 0: return s.oUser;
    case 1: return s.oStart;
    case 2: return s.oEnd;
    case 3: return s.oDur;
    case 4: return s.oEvents;
    case 5: return s.oViews;
    case 6: return s.oPurch;
    case 7: return s.oRev;
  }
  return 0;
}

/**
 * Adds events 0..n-1 of the input columns; `useWmColumn` = 0 takes `wm` for the whole batch,
 * else the wm column. Returns the number of late events (indices at session_late) or ERR_*.
 */
export function session_process(h: i32, n: i32, useWmColumn: i32, wm: f64): i32 {
  const p = handlePtr(h, KIND_SESSION);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<SState>(p);
  if (n < 0 || n > s.batchCap) return ERR_BATCH;
  let hi: u32 = 0;
  for (let i = 0; i < n; i++) hi = max(hi, load<u32>(s.inUser + (<usize>i << 2)));
  if (n > 0) {
    if (hi >= <u32>MAX_KEYS) return ERR_KEY_RANGE;
    ensureUsers(s, <i32>hi + 1);
  }
  const gap = s.gap;
  let late = 0;
  for (let i = 0; i < n; i++) {
    const t = load<f64>(s.inT + (<usize>i << 3));
    const w = useWmColumn != 0 ? load<f64>(s.inWm + (<usize>i << 3)) : wm;
    // Late: its own window [t, t + gap) is already closed (non-finite times too).
    if (!(t + gap > w) || t - t != 0) {
      store<u32>(s.late + (<usize>late << 2), <u32>i);
      late++;
      continue;
    }
    addEvent(s, load<u32>(s.inUser + (<usize>i << 2)), t, load<u8>(s.inKind + <usize>i), load<f64>(s.inAmount + (<usize>i << 3)), w);
  }
  return late;
}

// ---- sorted emission: rows leave ordered by (end, user), a total order on sessions ----

function ensureSort(s: SState, need: i32): void {
  if (need <= s.sortCap) return;
  let ncap = s.sortCap == 0 ? 1024 : s.sortCap;
  while (ncap < need) ncap <<= 1;
  s.sortBuf = resize(s.sortBuf, <usize>ncap << 4);
  s.sortCap = ncap;
}

/** Appends (end, user, rec) to the sort buffer at position k. */
// @ts-ignore: decorator
@inline function sortPut(s: SState, k: i32, end: f64, user: u32, i: i32): void {
  const q = s.sortBuf + (<usize>k << 4);
  store<f64>(q, end);
  store<u32>(q, user, 8);
  store<i32>(q, i, 12);
}

// @ts-ignore: decorator
@inline function entryLess(a: usize, b: usize): bool {
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
      if (entryLess(base + (<usize>j << 4), pv)) {
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
    for (let j = i; j > lo && entryLess(base + (<usize>j << 4), base + (<usize>(j - 1) << 4)); j--) {
      swap16(base + (<usize>j << 4), base + (<usize>(j - 1) << 4));
    }
  }
}

/** Sorts the first `rows` entries and writes their rows to the output columns. */
function emitSorted(s: SState, rows: i32, free: bool): void {
  sortEntries(s.sortBuf, 0, rows - 1);
  ensureOut(s, rows);
  for (let k = 0; k < rows; k++) {
    const i = load<i32>(s.sortBuf + (<usize>k << 4), 12);
    emit(s, k, rec(s, i));
    if (free) freeRec(s, i);
  }
}

/**
 * Examines the records of one wheel list: a zombie is freed, a session with end <= wm is
 * queued for emission, any other is relinked by its current end. Returns the new row count.
 */
function sweep(s: SState, head: i32, wm: f64, rows: i32): i32 {
  const gap = s.gap;
  let i = head;
  while (i != 0) {
    const r = rec(s, i);
    const next = r.tnext;
    s.linked--;
    if (r.state == ZOMBIE) {
      freeRec(s, i);
    } else {
      const end = r.last + gap;
      if (end <= wm) {
        if (r.state == OPEN) {
          unlink(s, i);
          r.state = DETACHED;
        }
        ensureSort(s, rows + 1);
        sortPut(s, rows++, end, r.user, i);
      } else {
        wheelLink(s, i, end);
      }
    }
    i = next;
  }
  return rows;
}

/** Emits and frees every session final at `wm` (end <= wm), ordered by (end, user); returns the row count. */
export function session_advance(h: i32, wm: f64): i32 {
  const p = handlePtr(h, KIND_SESSION);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<SState>(p);
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
  if (rows > 0) emitSorted(s, rows, true);
  return rows;
}

/** Writes the partial rows of all open sessions, ordered by (end, user), to the output columns (changes nothing). */
export function session_peek(h: i32): i32 {
  const p = handlePtr(h, KIND_SESSION);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<SState>(p);
  ensureSort(s, s.live);
  let rows = 0;
  for (let i = 1; i < s.recHi; i++) {
    const r = rec(s, i);
    if (r.state == OPEN) sortPut(s, rows++, r.last + s.gap, r.user, i);
  }
  if (rows > 0) emitSorted(s, rows, false);
  return rows;
}

/** Records in use (open sessions plus those awaiting emission): bounded by the live users. */
export function session_open_count(h: i32): i32 {
  const p = handlePtr(h, KIND_SESSION);
  return p == 0 ? ERR_HANDLE : changetype<SState>(p).live;
}

function writeRec(r: Sess): void {
  wU32(r.user);
  wF64(r.start);
  wF64(r.last);
  wU32(r.events);
  wU32(r.views);
  wU32(r.purchases);
  wI64(r.revenue);
  wU32(r.state);
}

/** Serialises the instance into the IO buffer; returns the byte length (or ERR_HANDLE). */
export function session_snapshot(h: i32): i32 {
  const p = handlePtr(h, KIND_SESSION);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<SState>(p);
  wBegin();
  wF64(s.gap);
  wI32(s.batchCap);
  wI32(s.userHi);
  wI32(s.live);
  // Open sessions user by user in list order (restore appends), then the detached ones.
  for (let u = 0; u < s.userHi; u++) {
    let cur = load<i32>(s.heads + (<usize>u << 2));
    while (cur != 0) {
      writeRec(rec(s, cur));
      cur = rec(s, cur).next;
    }
  }
  for (let i = 1; i < s.recHi; i++) {
    if (rec(s, i).state == DETACHED) writeRec(rec(s, i));
  }
  return wEnd(KIND_SESSION, FORMAT);
}

/** Restores a snapshot of `len` bytes from the IO buffer into a new instance; returns its handle. */
export function session_restore(len: i32): i32 {
  const err = rBegin(len, KIND_SESSION, FORMAT);
  if (err < 0) return err;
  const gap = rF64();
  const batchCap = rI32();
  const userHi = rI32();
  const live = rI32();
  if (userHi < 0 || userHi > MAX_KEYS || live < 0) return ERR_SNAPSHOT_CORRUPT;
  const h = create(gap, batchCap);
  if (h < 0) return h;
  const s = changetype<SState>(handlePtr(h, KIND_SESSION));
  if (userHi > 0) ensureUsers(s, userHi);
  let tail = 0; // last record of the current user's list (an index: the slab may move)
  let tailUser: u32 = 0xffffffff;
  for (let k = 0; k < live; k++) {
    const user = rU32();
    if (user >= <u32>userHi) break;
    const i = newRec(s);
    const r = rec(s, i);
    r.user = user;
    r.start = rF64();
    r.last = rF64();
    r.events = rU32();
    r.views = rU32();
    r.purchases = rU32();
    r.revenue = rI64();
    r.state = rU32() == DETACHED ? DETACHED : OPEN;
    r.next = 0;
    if (r.state == OPEN) {
      if (user != tailUser) tail = 0;
      tailUser = user;
      relink(s, s.heads + (<usize>user << 2), tail, i);
      tail = i;
    }
    wheelLink(s, i, r.last + gap);
  }
  if (!rDone()) {
    session_destroy(h);
    return ERR_SNAPSHOT_CORRUPT;
  }
  return h;
}

/** Frees the instance and its handle. */
export function session_destroy(h: i32): i32 {
  const p = handlePtr(h, KIND_SESSION);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<SState>(p);
  heap.free(s.inUser);
  heap.free(s.inT);
  heap.free(s.inKind);
  heap.free(s.inAmount);
  heap.free(s.inWm);
  heap.free(s.late);
  if (s.heads != 0) heap.free(s.heads);
  heap.free(s.recs);
  heap.free(s.wheel);
  if (s.sortBuf != 0) heap.free(s.sortBuf);
  heap.free(s.oUser);
  heap.free(s.oStart);
  heap.free(s.oEnd);
  heap.free(s.oDur);
  heap.free(s.oEvents);
  heap.free(s.oViews);
  heap.free(s.oPurch);
  heap.free(s.oRev);
  heap.free(p);
  handleFree(h);
  return 0;
}
