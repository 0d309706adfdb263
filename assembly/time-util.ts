// Integer time arithmetic shared by the kernels. Times arrive as f64 integer milliseconds;
// window starts need floor division, which f64 division cannot give exactly for large
// values (t / S may round up to the next integer), so it is done in i64.

/** floor(a / b) for b > 0, also for negative a (times before 1970). */
// @ts-ignore: decorator
@inline
export function floorDiv(a: i64, b: i64): i64 {
  const q = a / b;
  return (a % b) < 0 ? q - 1 : q;
}

/** Converts an f64 time (integer ms) to i64 (nontrapping-f2i is on by default: NaN / infinities saturate). */
// @ts-ignore: decorator
@inline
export function toMs(t: f64): i64 {
  return <i64>t;
}
