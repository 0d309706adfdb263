// Running z-score per key (SPEC `purchase_anomalies`), conventions in layout.ts.
//
// Each event is scored on arrival (input order, late events included: no watermark) against
// the mean and population stddev of the EARLIER samples of its key (Welford), when the key has
// >= minSamples of them and stddev > 0; |z| > threshold flags it; then the sample is added.
// The arithmetic is exactly that of src/core/reference/zscore.ts, in the same order, so mean,
// stddev and z are bit-identical to the reference.
//
// Per key the state is 24 bytes (mean, m2, n as f64), indexed by the dense key id.
import { handleNew, handlePtr, handleFree } from "./handle-util";
import { KIND_ZSCORE, ERR_HANDLE, ERR_BATCH, ERR_CONFIG, ERR_KEY_RANGE, ERR_SNAPSHOT_CORRUPT, MAX_KEYS } from "./layout";
import { wBegin, wEnd, wI32, wF64, wBytes, rBegin, rI32, rF64, rBytes, rDone } from "./bytes-util";

const FORMAT: i32 = 1;
const KEY_BYTES: usize = 24; // mean f64 | m2 f64 | n f64
// The cheap pre-test (no sqrt, no division) may only rule out events that are clearly below
// the threshold; this relative margin covers the few ulps by which it can differ from the
// exact test, which decides everything that passes. It is only trusted while thr^2 * m2 is
// far from underflow and overflow, where those few ulps are all it can be off by.
const MARGIN: f64 = 1e-9;
const RHS_MIN: f64 = 1e-280;
const RHS_MAX: f64 = 1e280;

@unmanaged class ZState {
  batchCap: i32 = 0;
  minSamples: i32 = 0;
  threshold: f64 = 0;
  inKey: usize = 0;
  inVal: usize = 0;
  outIdx: usize = 0;
  outMean: usize = 0;
  outSd: usize = 0;
  outZ: usize = 0;
  keys: usize = 0;
  keyCap: i32 = 0;
  keyHi: i32 = 0; // 1 + largest key seen (what a snapshot must keep)
}

function create(batchCap: i32, minSamples: i32, threshold: f64): i32 {
  if (batchCap <= 0 || minSamples < 0 || !(threshold >= 0)) return ERR_CONFIG;
  const s = changetype<ZState>(heap.alloc(offsetof<ZState>()));
  s.batchCap = batchCap;
  s.minSamples = minSamples;
  s.threshold = threshold;
  const cap = <usize>batchCap;
  s.inKey = heap.alloc(cap << 2);
  s.inVal = heap.alloc(cap << 3);
  s.outIdx = heap.alloc(cap << 2);
  s.outMean = heap.alloc(cap << 3);
  s.outSd = heap.alloc(cap << 3);
  s.outZ = heap.alloc(cap << 3);
  s.keys = 0;
  s.keyCap = 0;
  s.keyHi = 0;
  return handleNew(KIND_ZSCORE, changetype<usize>(s));
}

// @ts-ignore: decorator
@inline function resize(p: usize, bytes: usize): usize {
  return p == 0 ? heap.alloc(bytes) : heap.realloc(p, bytes); // TLSF cannot realloc null
}

function ensureKeys(s: ZState, need: i32): void {
  if (need > s.keyHi) s.keyHi = need;
  if (need <= s.keyCap) return;
  let ncap = s.keyCap == 0 ? 1024 : s.keyCap;
  while (ncap < need) ncap <<= 1;
  s.keys = resize(s.keys, <usize>ncap * KEY_BYTES);
  memory.fill(s.keys + <usize>s.keyCap * KEY_BYTES, 0, <usize>(ncap - s.keyCap) * KEY_BYTES);
  s.keyCap = ncap;
}

/** Creates a kernel for batches of up to `batchCap` events; returns its handle or ERR_CONFIG. */
export function zscore_create(batchCap: i32, minSamples: i32, threshold: f64): i32 {
  return create(batchCap, minSamples, threshold);
}

/** Input column pointer: 0 = key (u32), 1 = value (f64). */
export function zscore_in(h: i32, col: i32): usize {
  const p = handlePtr(h, KIND_ZSCORE);
  if (p == 0) return 0;
  const s = changetype<ZState>(p);
  return col == 0 ? s.inKey : col == 1 ? s.inVal : 0;
}

/** Output column pointer: 0 = index (u32), 1 = mean, 2 = stddev, 3 = z (f64). */
export function zscore_out(h: i32, col: i32): usize {
  const p = handlePtr(h, KIND_ZSCORE);
  if (p == 0) return 0;
  const s = changetype<ZState>(p);
  return col == 0 ? s.outIdx : col == 1 ? s.outMean : col == 2 ? s.outSd : col == 3 ? s.outZ : 0;
}

/** Scores events 0..n-1 of the input columns; returns the number of anomalies (or ERR_*). */
export function zscore_process(h: i32, n: i32): i32 {
  const p = handlePtr(h, KIND_ZSCORE);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<ZState>(p);
  if (n < 0 || n > s.batchCap) return ERR_BATCH;
  const inKey = s.inKey;
  const inVal = s.inVal;
  // One cheap pass sizes the key table up front, so the hot loop needs no bounds branch and a
  // bad key rejects the whole batch before any state changes.
  let hi: u32 = 0;
  for (let i = 0; i < n; i++) hi = max(hi, load<u32>(inKey + (<usize>i << 2)));
  if (n > 0) {
    if (hi >= <u32>MAX_KEYS) return ERR_KEY_RANGE;
    ensureKeys(s, <i32>hi + 1);
  }
  const keys = s.keys;
  const minN = <f64>s.minSamples;
  const thr = s.threshold;
  const thr2lo = thr * thr * (1 - MARGIN);
  let found = 0;
  for (let i = 0; i < n; i++) {
    const k = keys + <usize>load<u32>(inKey + (<usize>i << 2)) * KEY_BYTES;
    const x = load<f64>(inVal + (<usize>i << 3));
    let mean = load<f64>(k);
    let m2 = load<f64>(k, 8);
    let cnt = load<f64>(k, 16);
    const delta = x - mean;
    // |z| > thr needs delta^2 * n > thr^2 * m2; only events passing the loose form of that
    // test pay for the exact sqrt / division (NaN also falls through to the exact test).
    const rhs = thr2lo * m2;
    if (cnt >= minN && !(delta * delta * cnt <= rhs && rhs > RHS_MIN && rhs < RHS_MAX)) {
      const sd = Math.sqrt(m2 / cnt);
      if (sd > 0) {
        const z = (x - mean) / sd;
        if (Math.abs(z) > thr) {
          store<u32>(s.outIdx + (<usize>found << 2), <u32>i);
          store<f64>(s.outMean + (<usize>found << 3), mean);
          store<f64>(s.outSd + (<usize>found << 3), sd);
          store<f64>(s.outZ + (<usize>found << 3), z);
          found++;
        }
      }
    }
    cnt += 1;
    mean += delta / cnt;
    m2 += delta * (x - mean);
    store<f64>(k, mean);
    store<f64>(k, m2, 8);
    store<f64>(k, cnt, 16);
  }
  return found;
}

/** Statistics of `key`: field 0 = count, 1 = mean, 2 = population stddev (NaN on a bad handle). */
export function zscore_stat(h: i32, key: i32, field: i32): f64 {
  const p = handlePtr(h, KIND_ZSCORE);
  if (p == 0) return NaN;
  const s = changetype<ZState>(p);
  if (key < 0 || key >= s.keyHi) return 0;
  const k = s.keys + <usize>key * KEY_BYTES;
  const cnt = load<f64>(k, 16);
  if (field == 0) return cnt;
  if (cnt == 0) return 0;
  if (field == 1) return load<f64>(k);
  return Math.sqrt(load<f64>(k, 8) / cnt);
}

/** Serialises the instance into the IO buffer; returns the byte length (or ERR_HANDLE). */
export function zscore_snapshot(h: i32): i32 {
  const p = handlePtr(h, KIND_ZSCORE);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<ZState>(p);
  wBegin();
  wI32(s.batchCap);
  wI32(s.minSamples);
  wF64(s.threshold);
  wI32(s.keyHi);
  wBytes(s.keys, <usize>s.keyHi * KEY_BYTES);
  return wEnd(KIND_ZSCORE, FORMAT);
}

/** Restores a snapshot of `len` bytes from the IO buffer into a new instance; returns its handle. */
export function zscore_restore(len: i32): i32 {
  const err = rBegin(len, KIND_ZSCORE, FORMAT);
  if (err < 0) return err;
  const batchCap = rI32();
  const minSamples = rI32();
  const threshold = rF64();
  const keyHi = rI32();
  if (keyHi < 0 || keyHi > MAX_KEYS) return ERR_CONFIG;
  const h = create(batchCap, minSamples, threshold);
  if (h < 0) return h;
  const s = changetype<ZState>(handlePtr(h, KIND_ZSCORE));
  if (keyHi > 0) ensureKeys(s, keyHi);
  rBytes(s.keys, <usize>keyHi * KEY_BYTES);
  if (!rDone()) {
    zscore_destroy(h);
    return ERR_SNAPSHOT_CORRUPT;
  }
  return h;
}

/** Frees the instance and its handle. */
export function zscore_destroy(h: i32): i32 {
  const p = handlePtr(h, KIND_ZSCORE);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<ZState>(p);
  heap.free(s.inKey);
  heap.free(s.inVal);
  heap.free(s.outIdx);
  heap.free(s.outMean);
  heap.free(s.outSd);
  heap.free(s.outZ);
  if (s.keys != 0) heap.free(s.keys);
  heap.free(p);
  handleFree(h);
  return 0;
}
