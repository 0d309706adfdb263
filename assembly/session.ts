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
// State (session-base-util.ts, session-place-util.ts, session-wheel-util.ts, shared with
// session-agg.ts): a slab of 56-byte session records, per user (the key) a list of open
// sessions ordered by start (usually one), and a timer wheel that tells advance() which
// sessions may have ended.
import { handleNew, handlePtr, handleFree } from "./handle-util";
import { KIND_SESSION, ERR_HANDLE, ERR_BATCH, ERR_CONFIG, ERR_KEY_RANGE, ERR_SNAPSHOT_CORRUPT, MAX_KEYS } from "./layout";
import { wBegin, wEnd, wI32, wU32, wF64, wI64, rBegin, rI32, rU32, rF64, rI64, rDone } from "./bytes-util";
import { regrow } from "./mem-util";
import {
  SessionBase, SessionRec, OPEN, DETACHED, recAt, initBase, freeBase, ensureKeys, newRec, freeRec, relink, acceptKeys, isLate, forEachLive,
} from "./session-base-util";
import { placeEvent, foldBridged } from "./session-place-util";
import { wheelLink, queueFinal, queueOpen, queuedRec } from "./session-wheel-util";

const FORMAT: i32 = 1;
const KIND_VIEW: u8 = 1;
const KIND_PURCHASE: u8 = 2;

/** A session record: the shared header (the key is the user) and this kernel's aggregates. */
// @ts-ignore: decorator
@unmanaged
class Sess extends SessionRec {
  views: u32 = 0;
  purchases: u32 = 0;
  revenue: i64 = 0;
}

// @ts-ignore: decorator
@unmanaged
class SState extends SessionBase {
  inUser: usize = 0;
  inT: usize = 0;
  inKind: usize = 0;
  inAmount: usize = 0;
  inWm: usize = 0;
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
}

// @ts-ignore: decorator
@inline function sess(s: SessionBase, i: i32): Sess {
  return changetype<Sess>(recAt(s, i));
}

// @ts-ignore: decorator
@inline function get(h: i32): SState | null {
  const p = handlePtr(h, KIND_SESSION);
  return p ? changetype<SState>(p) : null;
}

function create(gap: f64, batchCap: i32): i32 {
  if (batchCap <= 0 || !(gap > 0) || gap == Infinity) return ERR_CONFIG;
  const s = changetype<SState>(heap.alloc(offsetof<SState>()));
  memory.fill(changetype<usize>(s), 0, offsetof<SState>());
  initBase(s, gap, batchCap, <i32>((offsetof<Sess>() + 7) & ~7));
  const cap = <usize>batchCap;
  s.inUser = heap.alloc(cap << 2);
  s.inT = heap.alloc(cap << 3);
  s.inKind = heap.alloc(cap);
  s.inAmount = heap.alloc(cap << 3);
  s.inWm = heap.alloc(cap << 3);
  ensureOut(s, 1024);
  return handleNew(KIND_SESSION, changetype<usize>(s));
}

function ensureOut(s: SState, need: i32): void {
  if (need <= s.outCap) return;
  let ncap = s.outCap == 0 ? 1024 : s.outCap;
  while (ncap < need) ncap <<= 1;
  const n = <usize>ncap;
  s.oUser = regrow(s.oUser, n << 2);
  s.oStart = regrow(s.oStart, n << 3);
  s.oEnd = regrow(s.oEnd, n << 3);
  s.oDur = regrow(s.oDur, n << 3);
  s.oEvents = regrow(s.oEvents, n << 2);
  s.oViews = regrow(s.oViews, n << 2);
  s.oPurch = regrow(s.oPurch, n << 2);
  s.oRev = regrow(s.oRev, n << 3);
  s.outCap = ncap;
}

// ---- events ----

/** Folds the aggregates of session `from` into `to` (the header is folded by the caller). */
function foldSess(s: SessionBase, to: i32, from: i32): void {
  const t = sess(s, to), f = sess(s, from);
  t.views += f.views;
  t.purchases += f.purchases;
  t.revenue += f.revenue;
}

function addEvent(s: SState, u: u32, t: f64, kind: u8, amount: f64, wm: f64): void {
  let i = placeEvent(s, u, t, wm);
  const fresh = i < 0;
  if (fresh) i = -i;
  const r = sess(s, i);
  if (fresh) {
    r.views = 0;
    r.purchases = 0;
    r.revenue = 0;
  }
  if (kind == KIND_VIEW) r.views++;
  else if (kind == KIND_PURCHASE) {
    r.purchases++;
    r.revenue += <i64>amount;
  }
  if (!fresh && r.next != 0) foldBridged(s, i, t, wm, foldSess);
}

function emit(s: SState, row: i32, r: Sess): void {
  const gap = s.gap;
  const o = <usize>row;
  store<u32>(s.oUser + (o << 2), r.key);
  store<f64>(s.oStart + (o << 3), r.start);
  store<f64>(s.oEnd + (o << 3), r.last + gap);
  store<f64>(s.oDur + (o << 3), r.last - r.start);
  store<u32>(s.oEvents + (o << 2), r.events);
  store<u32>(s.oViews + (o << 2), r.views);
  store<u32>(s.oPurch + (o << 2), r.purchases);
  store<f64>(s.oRev + (o << 3), <f64>r.revenue);
}

/** Writes the `rows` queued sessions as rows; with `free`, frees their records. */
function emitQueued(s: SState, rows: i32, free: bool): i32 {
  ensureOut(s, rows);
  for (let k = 0; k < rows; k++) {
    const i = queuedRec(s, k);
    emit(s, k, sess(s, i));
    if (free) freeRec(s, i);
  }
  return rows;
}

// ---- exports ----

/** Creates a session kernel (gap in ms) for batches of up to `batchCap` events; returns its handle. */
export function session_create(gapMs: f64, batchCap: i32): i32 {
  return create(gapMs, batchCap);
}

/** Input column pointer: 0 = user (u32), 1 = t (f64), 2 = kind (u8), 3 = amount cents (f64), 4 = wm (f64). */
export function session_in(h: i32, col: i32): usize {
  const s = get(h);
  if (!s) return 0;
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
  const s = get(h);
  return s ? s.late : 0;
}

/**
 * Output column pointer: 0 = user (u32), 1 = start, 2 = end, 3 = duration (f64), 4 = events,
 * 5 = views, 6 = purchases (u32), 7 = revenue cents (f64).
 */
export function session_out(h: i32, col: i32): usize {
  const s = get(h);
  if (!s) return 0;
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
  const s = get(h);
  if (!s) return ERR_HANDLE;
  if (n < 0 || n > s.batchCap) return ERR_BATCH;
  if (!acceptKeys(s, s.inUser, n, MAX_KEYS)) return ERR_KEY_RANGE;
  const gap = s.gap;
  let late = 0;
  for (let i = 0; i < n; i++) {
    const t = load<f64>(s.inT + (<usize>i << 3));
    const w = useWmColumn != 0 ? load<f64>(s.inWm + (<usize>i << 3)) : wm;
    if (isLate(t, gap, w)) {
      store<u32>(s.late + (<usize>late << 2), <u32>i);
      late++;
      continue;
    }
    addEvent(s, load<u32>(s.inUser + (<usize>i << 2)), t, load<u8>(s.inKind + <usize>i), load<f64>(s.inAmount + (<usize>i << 3)), w);
  }
  return late;
}

/** Emits and frees every session final at `wm` (end <= wm), ordered by (end, user); returns the row count. */
export function session_advance(h: i32, wm: f64): i32 {
  const s = get(h);
  return s ? emitQueued(s, queueFinal(s, wm), true) : ERR_HANDLE;
}

/** Writes the partial rows of all open sessions, ordered by (end, user), to the output columns (changes nothing). */
export function session_peek(h: i32): i32 {
  const s = get(h);
  return s ? emitQueued(s, queueOpen(s), false) : ERR_HANDLE;
}

/** Records in use (open sessions plus those awaiting emission): bounded by the live users. */
export function session_open_count(h: i32): i32 {
  const s = get(h);
  return s ? s.live : ERR_HANDLE;
}

function writeRec(s: SessionBase, i: i32): void {
  const r = sess(s, i);
  wU32(r.key);
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
  const s = get(h);
  if (!s) return ERR_HANDLE;
  wBegin();
  wF64(s.gap);
  wI32(s.batchCap);
  wI32(s.keyHi);
  wI32(s.live);
  forEachLive(s, writeRec);
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
  if (userHi > 0) ensureKeys(s, userHi);
  let tail = 0; // last record of the current user's list (an index: the slab may move)
  let tailUser: u32 = 0xffffffff;
  for (let k = 0; k < live; k++) {
    const user = rU32();
    if (user >= <u32>userHi) break;
    const i = newRec(s);
    const r = sess(s, i);
    r.key = user;
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
  const s = get(h);
  if (!s) return ERR_HANDLE;
  heap.free(s.inUser);
  heap.free(s.inT);
  heap.free(s.inKind);
  heap.free(s.inAmount);
  heap.free(s.inWm);
  heap.free(s.oUser);
  heap.free(s.oStart);
  heap.free(s.oEnd);
  heap.free(s.oDur);
  heap.free(s.oEvents);
  heap.free(s.oViews);
  heap.free(s.oPurch);
  heap.free(s.oRev);
  freeBase(s);
  heap.free(changetype<usize>(s));
  handleFree(h);
  return 0;
}
