/**
 * Sum helpers of the reference kernels, spelling out the kernels' rules (assembly/window-util.ts):
 *
 * - Integer-cent sums are exact (BigInt here, i64 in the kernel). A value is truncated toward
 *   zero, NaN counts 0 and values beyond the i64 range saturate, as WebAssembly's saturating
 *   conversion does. Once an addend or a partial sum leaves [-2^62, 2^62) the sum is
 *   "poisoned" for good (the kernel does this to tell a huge sum from an i64 that wrapped).
 *   A row's sum reads NaN when poisoned or when |sum| > 2^53 - 1 (not exact in a double).
 *   Here every addend is checked in event order; the kernel checks only addends outside
 *   [0, 2^29), after the small ones of the same batch in its tumbling path, and combines pane
 *   sums in sliding windows (assembly/window-cents-util.ts). The outcomes can therefore differ
 *   only when some partial sum leaves [-2^62, 2^62) in one order but not in the other, which
 *   needs amounts of both signs around 2^53 or more: never for SPEC amounts (> 0), and never
 *   in the tests.
 * - Float sums are plain double additions; only their order matters, and the callers add in
 *   the kernel's order.
 * - Snapshots are JSON; {@link encodeNum} keeps NaN, infinities and -0 that JSON would lose.
 */

const POISON_AT = 2n ** 62n;
const MAX_EXACT = 2n ** 53n - 1n;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** An exact cents sum, or null once poisoned. */
export type Cents = bigint | null;

/** WebAssembly's saturating f64 → i64 truncation. */
export function toI64(v: number): bigint {
  if (Number.isNaN(v)) return 0n;
  if (v >= 2 ** 63) return I64_MAX;
  if (v < -(2 ** 63)) return I64_MIN;
  return BigInt(Math.trunc(v));
}

const poisoned = (x: bigint): boolean => x < -POISON_AT || x >= POISON_AT;

/** a + b under the poisoning rule (also the rule for combining two partial sums). */
export function addCents(a: Cents, b: Cents): Cents {
  if (a === null || b === null || poisoned(a) || poisoned(b)) return null;
  const r = a + b;
  return poisoned(r) ? null : r;
}

/** The row value of a cents sum: the exact number, or NaN when out of range. */
export function centsValue(c: Cents): number {
  if (c === null || c > MAX_EXACT || c < -MAX_EXACT) return NaN;
  return Number(c);
}

/** A number as JSON keeps it: finite numbers as themselves, the rest as strings. */
export function encodeNum(x: number): number | string {
  if (Object.is(x, -0)) return "-0";
  return Number.isFinite(x) ? x : String(x);
}

/** Inverse of {@link encodeNum}. */
export function decodeNum(x: number | string): number {
  return typeof x === "number" ? x : Number(x);
}

/** A cents sum as JSON keeps it (decimal string, or null when poisoned). */
export function encodeCents(c: Cents): string | null {
  return c === null ? null : c.toString();
}

/** Inverse of {@link encodeCents}. */
export function decodeCents(x: string | null): Cents {
  return x === null ? null : BigInt(x);
}
