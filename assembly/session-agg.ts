// Keyed session windows with configurable aggregates (user-defined metrics with a session
// window), conventions in layout.ts; semantics those of the SPEC session kernel (session.ts)
// and of src/core/reference/session-agg.ts (Spark's session_window):
// - an event at t opens the window [t, t + gap); overlapping windows of one key merge, so
//   events closer than gap share a session and exactly gap apart do not;
// - an event is late when t + gap <= wm[i] (non-finite times too); late events change nothing;
// - a session is final once wm >= last + gap; an on-time event that meets a session already
//   final at wm[i] closes it first and starts a new one, whatever the batch boundaries.
// The key is any dense u32 group key (the caller combines group-by fields into one id).
// Aggregates: events; per value column (f64; non-finite = missing, skipped) the number of
// values present, their sum (f64, added in event order; a merge adds the sessions' sums in
// start order, see session-agg-events.ts), min and max; per distinct column (u32;
// 0xFFFFFFFF = missing, skipped) the exact number of distinct ids, sets unioned on merge.
// State: session-agg-state.ts, over what it shares with session.ts (session-base-util.ts,
// session-place-util.ts, session-wheel-util.ts: record slab, key lists, the walk of a key's
// sessions, timer wheel, emission order); aggregates of events:
// session-agg-events.ts; rows: session-agg-emit.ts; distinct sets: session-agg-set.ts.
import { handleNew, handlePtr, handleFree } from "./handle-util";
import { KIND_SESSION_AGG, ERR_HANDLE, ERR_BATCH, ERR_CONFIG, ERR_KEY_RANGE, ERR_SNAPSHOT_CORRUPT, MAX_KEYS } from "./layout";
import { wBegin, wEnd, wI32, wF64, rBegin, rI32, rF64, rFailed, rDone } from "./bytes-util";
import { recAt, initBase, freeBase, ensureKeys, acceptKeys, isLate } from "./session-base-util";
import { queueFinal, queueOpen } from "./session-wheel-util";
import {
  SA, MAX_VALUES, MAX_DISTINCT, IN_COLS, OUT_COLS, IN_KEY, IN_TIME, IN_WM, col, disAt, layout, allocFixed, freeBlocks, ensureOut,
} from "./session-agg-state";
import { addEvent } from "./session-agg-events";
import { emitQueued } from "./session-agg-emit";
import { setRelease, poolFree } from "./session-agg-set";
import { writeSessions, readSessions } from "./session-agg-snapshot";

/** Snapshot payload format of this kernel. */
const FORMAT: i32 = 1;

// @ts-ignore: decorator
@inline function get(h: i32): SA | null {
  const p = handlePtr(h, KIND_SESSION_AGG);
  return p ? changetype<SA>(p) : null;
}

/**
 * Creates a session aggregate: inactivity gap `gapMs` (> 0), `nValues` value columns (0..8),
 * `nDistinct` distinct columns (0..4), batches of up to `batchCap` events. Returns a handle.
 */
export function session_agg_create(gapMs: f64, nValues: i32, nDistinct: i32, batchCap: i32): i32 {
  if (!(gapMs > 0) || gapMs == Infinity || nValues < 0 || nValues > MAX_VALUES || nDistinct < 0 || nDistinct > MAX_DISTINCT) return ERR_CONFIG;
  if (batchCap <= 0 || batchCap > (1 << 26)) return ERR_CONFIG;
  const s = changetype<SA>(heap.alloc(offsetof<SA>()));
  memory.fill(changetype<usize>(s), 0, offsetof<SA>());
  s.nValues = nValues;
  s.nDistinct = nDistinct;
  s.batchCap = batchCap;
  layout(s);
  initBase(s, gapMs, batchCap, s.stride);
  allocFixed(s);
  ensureOut(s, 1024);
  return handleNew(KIND_SESSION_AGG, changetype<usize>(s));
}

/**
 * Input column pointer (0 when the column does not exist): 0 key (u32), 1 time (f64), 2 wm
 * (f64), 3 + j value column j (f64), 11 + d distinct column d (u32).
 */
export function session_agg_in(h: i32, c: i32): usize {
  const s = get(h);
  return s && c >= 0 && c < IN_COLS ? col(s.ins, c) : 0;
}

/** Ascending indices (u32) of the late events of the last process call. */
export function session_agg_late(h: i32): usize {
  const s = get(h);
  return s ? s.late : 0;
}

/**
 * Output column pointer (0 when the column does not exist): 0 key (u32), 1 start, 2 end (f64),
 * 3 events (u32); value column j: 4 + 4j present count (u32), then sum, min, max (f64; min and
 * max NaN when nothing was present); 36 + d distinct count of column d (u32).
 */
export function session_agg_out(h: i32, c: i32): usize {
  const s = get(h);
  return s && c >= 0 && c < OUT_COLS ? col(s.outs, c) : 0;
}

/**
 * Adds events 0..n-1 of the input columns; `useWmColumn` = 0 takes `wm` for the whole batch,
 * else the wm column (never decreasing). Returns the number of late events (indices at
 * session_agg_late) or ERR_*; a key >= 2^28 rejects the whole batch (ERR_KEY_RANGE).
 */
export function session_agg_process(h: i32, n: i32, useWmColumn: i32, wm: f64): i32 {
  const s = get(h);
  if (!s) return ERR_HANDLE;
  if (n < 0 || n > s.batchCap) return ERR_BATCH;
  const inKey = col(s.ins, IN_KEY), inT = col(s.ins, IN_TIME), inWm = col(s.ins, IN_WM);
  if (!acceptKeys(s, inKey, n, MAX_KEYS)) return ERR_KEY_RANGE;
  const gap = s.gap;
  let late = 0;
  for (let i = 0; i < n; i++) {
    const t = load<f64>(inT + (<usize>i << 3));
    const w = useWmColumn != 0 ? load<f64>(inWm + (<usize>i << 3)) : wm;
    if (isLate(t, gap, w)) {
      store<u32>(s.late + (<usize>late << 2), <u32>i);
      late++;
      continue;
    }
    addEvent(s, load<u32>(inKey + (<usize>i << 2)), t, w, i);
  }
  return late;
}

/** Emits and frees every session final at `wm` (end <= wm), ordered by (end, key); returns the row count. */
export function session_agg_advance(h: i32, wm: f64): i32 {
  const s = get(h);
  return s ? emitQueued(s, queueFinal(s, wm), true) : ERR_HANDLE;
}

/** Writes the partial rows of all open sessions, ordered by (end, key); changes nothing. */
export function session_agg_peek(h: i32): i32 {
  const s = get(h);
  return s ? emitQueued(s, queueOpen(s), false) : ERR_HANDLE;
}

/** Sessions holding state (open ones and those awaiting emission). */
export function session_agg_open_count(h: i32): i32 {
  const s = get(h);
  return s ? s.live : ERR_HANDLE;
}

/** Serialises the instance into the IO buffer; returns the byte length (or ERR_HANDLE). */
export function session_agg_snapshot(h: i32): i32 {
  const s = get(h);
  if (!s) return ERR_HANDLE;
  wBegin();
  wF64(s.gap);
  wI32(s.nValues);
  wI32(s.nDistinct);
  wI32(s.batchCap);
  wI32(s.keyHi);
  wI32(s.live);
  writeSessions(s);
  return wEnd(KIND_SESSION_AGG, FORMAT);
}

/** Restores a snapshot of `len` bytes from the IO buffer into a new instance; returns its handle. */
export function session_agg_restore(len: i32): i32 {
  const err = rBegin(len, KIND_SESSION_AGG, FORMAT);
  if (err < 0) return err;
  const gap = rF64(), nValues = rI32(), nDistinct = rI32(), batchCap = rI32(), keyHi = rI32(), live = rI32();
  if (rFailed() || keyHi < 0 || keyHi > MAX_KEYS || live < 0) return ERR_SNAPSHOT_CORRUPT;
  const h = session_agg_create(gap, nValues, nDistinct, batchCap);
  if (h < 0) return ERR_SNAPSHOT_CORRUPT;
  const s = changetype<SA>(handlePtr(h, KIND_SESSION_AGG));
  if (keyHi > 0) ensureKeys(s, keyHi);
  if (!readSessions(s, live) || !rDone()) {
    session_agg_destroy(h);
    return ERR_SNAPSHOT_CORRUPT;
  }
  return h;
}

/** Frees the instance and its handle. */
export function session_agg_destroy(h: i32): i32 {
  const s = get(h);
  if (!s) return ERR_HANDLE;
  for (let i = 1; i < s.recHi; i++) {
    const p = recAt(s, i);
    for (let d = 0; d < s.nDistinct; d++) setRelease(s, disAt(s, p, d));
  }
  poolFree(s);
  freeBlocks(s);
  freeBase(s);
  heap.free(changetype<usize>(s));
  handleFree(h);
  return 0;
}
