// Watermark bookkeeping of one pipeline (SPEC "Time, windows and watermarks"): per input
// stream (a topic partition, by dense u32 id) the largest event time seen; the pipeline's
// watermark is the minimum of (max - delay) over the streams that have seen an event and are
// not idle, and it never moves back. A stream is idle when no event arrived on it for
// idle_timeout of WALL-CLOCK time, judged at the start of each batch from the batch's `now`;
// it rejoins the minimum with its next event. When every stream that has spoken is idle the
// watermark holds: SPEC is silent there; Spark, which has no idleness, would simply keep its
// watermark, and Flink does the same when all inputs are idle.
//
// Output: per event, wm[i] = the watermark in force BEFORE event i (an event never makes
// itself late), the column the windowed kernels take; watermark_value = the watermark after
// the batch. Events with a non-finite time do not move the watermark nor wake the stream.
// watermark_finish (end of bounded input) sets it to +Infinity for good.
import { regrow } from "./mem-util";
import { KIND_WATERMARK, ERR_HANDLE, ERR_BATCH, ERR_CONFIG, ERR_KEY_RANGE, ERR_SNAPSHOT_CORRUPT, MAX_KEYS } from "./layout";
import { handleNew, handlePtr, handleFree } from "./handle-util";
import { wBegin, wEnd, wI32, wU8, wF64, rBegin, rI32, rU8, rF64, rFailed, rDone } from "./bytes-util";

const VERSION: i32 = 1;

// @ts-ignore: decorator
@unmanaged
class Wm {
  delay: f64 = 0;
  idle: f64 = 0;
  batchCap: i32 = 0;
  inStream: usize = 0;
  inTime: usize = 0;
  out: usize = 0;
  /** Per-stream arrays of `cap` entries; `used` = highest stream id seen + 1. */
  cap: i32 = 0;
  used: i32 = 0;
  maxT: usize = 0; // f64
  lastSeen: usize = 0; // f64 wall clock
  seen: usize = 0; // u8
  active: usize = 0; // u8, valid during a batch
  wm: f64 = -Infinity;
  finished: i32 = 0;
}

function get(h: i32): Wm | null {
  const p = handlePtr(h, KIND_WATERMARK);
  return p ? changetype<Wm>(p) : null;
}

function growStreams(w: Wm, s: u32): void {
  let ncap = w.cap == 0 ? 16 : w.cap;
  while (<u32>ncap <= s) ncap <<= 1;
  const old = <usize>w.cap, add = <usize>(ncap - w.cap);
  w.maxT = regrow(w.maxT, <usize>ncap << 3);
  w.lastSeen = regrow(w.lastSeen, <usize>ncap << 3);
  w.seen = regrow(w.seen, <usize>ncap);
  w.active = regrow(w.active, <usize>ncap);
  for (let i: usize = 0; i < add; i++) {
    store<f64>(w.maxT + ((old + i) << 3), -Infinity);
    store<f64>(w.lastSeen + ((old + i) << 3), 0);
  }
  memory.fill(w.seen + old, 0, add);
  memory.fill(w.active + old, 0, add);
  w.cap = ncap;
}

/** Creates a tracker with `delayMs` (SPEC default 5 min) and `idleTimeoutMs` (default 30 s). */
export function watermark_create(delayMs: f64, idleTimeoutMs: f64, batchCap: i32): i32 {
  if (!(delayMs >= 0 && delayMs < Infinity) || !(idleTimeoutMs >= 0) || batchCap <= 0 || batchCap > (1 << 26)) return ERR_CONFIG;
  const w = new Wm();
  w.delay = delayMs;
  w.idle = idleTimeoutMs;
  w.batchCap = batchCap;
  w.inStream = heap.alloc(<usize>batchCap << 2);
  w.inTime = heap.alloc(<usize>batchCap << 3);
  w.out = heap.alloc(<usize>batchCap << 3);
  memory.fill(w.inStream, 0, <usize>batchCap << 2);
  growStreams(w, 0);
  return handleNew(KIND_WATERMARK, changetype<usize>(w));
}

export function watermark_destroy(h: i32): i32 {
  const w = get(h);
  if (!w) return ERR_HANDLE;
  heap.free(w.inStream);
  heap.free(w.inTime);
  heap.free(w.out);
  heap.free(w.maxT);
  heap.free(w.lastSeen);
  heap.free(w.seen);
  heap.free(w.active);
  heap.free(changetype<usize>(w));
  handleFree(h);
  return 0;
}

/** Input column `col`: 0 stream id (u32), 1 event time (f64 ms). */
export function watermark_in(h: i32, col: i32): usize {
  const w = get(h);
  if (!w) return 0;
  return col == 0 ? w.inStream : col == 1 ? w.inTime : 0;
}

/** The output column: wm[i] (f64) in force before event i of the last batch. */
export function watermark_out(h: i32): usize {
  const w = get(h);
  return w ? w.out : 0;
}

/** The pipeline watermark now (-Infinity before any event), NaN for a bad handle. */
export function watermark_value(h: i32): f64 {
  const w = get(h);
  return w ? w.wm : NaN;
}

/** Largest event time seen on stream `s` (-Infinity if none). */
export function watermark_stream_max(h: i32, s: i32): f64 {
  const w = get(h);
  if (!w) return NaN;
  return s >= 0 && s < w.used ? load<f64>(w.maxT + (<usize>s << 3)) : -Infinity;
}

/** End of bounded input: the watermark becomes +Infinity and stays there. */
export function watermark_finish(h: i32): i32 {
  const w = get(h);
  if (!w) return ERR_HANDLE;
  w.finished = 1;
  w.wm = Infinity;
  return 0;
}

// min over active streams of (max - delay); +Infinity when none
function activeMin(w: Wm): f64 {
  let m = Infinity;
  for (let s = 0; s < w.used; s++) {
    if (load<u8>(w.active + <usize>s)) m = min(m, load<f64>(w.maxT + (<usize>s << 3)) - w.delay);
  }
  return m;
}

/**
 * Processes events 0..n-1 (stream ids, times) that arrived at wall-clock `now` (ms): fills
 * the wm column and advances the watermark. Returns 0 or a negative ERR_*.
 */
export function watermark_process(h: i32, n: i32, now: f64): i32 {
  const w = get(h);
  if (!w) return ERR_HANDLE;
  if (n < 0 || n > w.batchCap) return ERR_BATCH;
  const inS = w.inStream, inT = w.inTime, out = w.out, delay = w.delay;
  if (w.finished) {
    for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), Infinity);
    return 0;
  }
  // idleness is judged once per batch, at its arrival time
  let nActive = 0;
  for (let s = 0; s < w.used; s++) {
    const act = load<u8>(w.seen + <usize>s) != 0 && now - load<f64>(w.lastSeen + (<usize>s << 3)) < w.idle;
    store<u8>(w.active + <usize>s, act ? 1 : 0);
    if (act) nActive++;
  }
  let cmin = activeMin(w);
  let wm = w.wm;
  if (nActive > 0 && cmin > wm) wm = cmin;
  for (let i = 0; i < n; i++) {
    store<f64>(out + (<usize>i << 3), wm);
    const t = load<f64>(inT + (<usize>i << 3));
    if (!(t - t == 0)) continue;
    const s = load<u32>(inS + (<usize>i << 2));
    if (s >= <u32>w.cap) {
      if (s >= <u32>MAX_KEYS) {
        w.wm = wm;
        return ERR_KEY_RANGE;
      }
      growStreams(w, s);
    }
    if (<i32>s >= w.used) w.used = <i32>s + 1;
    const pm = w.maxT + (<usize>s << 3);
    const old = load<f64>(pm);
    store<f64>(w.lastSeen + (<usize>s << 3), now);
    store<u8>(w.seen + <usize>s, 1);
    if (!load<u8>(w.active + <usize>s)) {
      // the stream (re)joins the minimum
      store<u8>(w.active + <usize>s, 1);
      if (t > old) store<f64>(pm, t);
      cmin = min(cmin, max(old, t) - delay);
    } else if (t > old) {
      store<f64>(pm, t);
      // only the stream holding the minimum can raise it
      if (old - delay == cmin) cmin = activeMin(w);
    }
    if (cmin > wm) wm = cmin;
  }
  w.wm = wm;
  return 0;
}

export function watermark_snapshot(h: i32): i32 {
  const w = get(h);
  if (!w) return ERR_HANDLE;
  wBegin();
  wF64(w.delay);
  wF64(w.idle);
  wI32(w.batchCap);
  wF64(w.wm);
  wI32(w.finished);
  wI32(w.used);
  for (let s = 0; s < w.used; s++) {
    wU8(load<u8>(w.seen + <usize>s));
    wF64(load<f64>(w.maxT + (<usize>s << 3)));
    wF64(load<f64>(w.lastSeen + (<usize>s << 3)));
  }
  return wEnd(KIND_WATERMARK, VERSION);
}

export function watermark_restore(len: i32): i32 {
  const e = rBegin(len, KIND_WATERMARK, VERSION);
  if (e < 0) return e;
  const delay = rF64(), idle = rF64(), batchCap = rI32(), wm = rF64(), finished = rI32(), used = rI32();
  if (rFailed() || used < 0 || used > MAX_KEYS) return ERR_SNAPSHOT_CORRUPT;
  const h = watermark_create(delay, idle, batchCap);
  if (h < 0) return ERR_SNAPSHOT_CORRUPT;
  const w = changetype<Wm>(handlePtr(h, KIND_WATERMARK));
  w.wm = wm;
  w.finished = finished;
  if (used > 0) growStreams(w, <u32>(used - 1));
  w.used = used;
  for (let s = 0; s < used && !rFailed(); s++) {
    store<u8>(w.seen + <usize>s, rU8());
    store<f64>(w.maxT + (<usize>s << 3), rF64());
    store<f64>(w.lastSeen + (<usize>s << 3), rF64());
  }
  if (!rDone()) {
    watermark_destroy(h);
    return ERR_SNAPSHOT_CORRUPT;
  }
  return h;
}
