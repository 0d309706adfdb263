/**
 * Bounds on input values beyond their SPEC types, so that one well-typed but absurd event cannot
 * hang, corrupt or poison a job: id lengths, amounts and how far event time may run ahead of the
 * wall clock. Used by `validate` (src/core/events.ts); the README documents each rule.
 */

/**
 * Most UTF-8 bytes of an id-like field (event_id, user_id, product_id, transaction_id, order_id,
 * session_id, category, currency, browser): ids are dictionary keys, output keys and Kafka
 * message keys, so their size is multiplied by everything that holds them.
 */
export const MAX_ID_BYTES = 256;

/**
 * Most UTF-8 bytes of `url`: 2048, the longest URL that browsers, CDNs and the sitemap protocol
 * reliably carry (a page URL can legitimately be much longer than an id, so it gets its own bound).
 */
export const MAX_URL_BYTES = 2048;

/** Optional string fields bounded by {@link MAX_ID_BYTES} (url has {@link MAX_URL_BYTES}). */
export const BOUNDED_OPTIONAL_FIELDS = ["category", "session_id", "currency", "browser"] as const;

/**
 * Amounts must be below 10^13 currency units (ten trillion). Any decimal with at most 15
 * significant digits survives the round trip through a double, so every amount below 10^13 with
 * two decimals becomes exactly the integer cents it was written with; above that cents lose
 * exactness, and from 2^53 cents (about 9 × 10^13 units) they are no longer integers at all.
 */
export const MAX_AMOUNT = 1e13;

/** Default allowed future skew of event time over the wall clock (Beam's allowed timestamp skew). */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 3_600_000;

/**
 * Wall-clock bound on event time: an event stamped more than `maxFutureSkewMs` after `now` is
 * invalid, so that a single far-future timestamp cannot move a watermark beyond every real event
 * (the watermark never moves back, so every later event would be late for good).
 */
export interface FutureBound {
  /** Wall clock, epoch ms. */
  now: number;
  maxFutureSkewMs: number;
}

/**
 * UTF-8 length of `s` when it is at most `limit` bytes, else a number above `limit` (without
 * scanning a long string: every UTF-16 unit is at least one byte and at most three).
 */
export function utf8LengthOver(s: string, limit: number): number {
  const n = s.length;
  if (n * 3 <= limit || n > limit) return n;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The reason a string field is over its bound, or undefined. */
export function tooLong(field: string, v: string, limit: number): string | undefined {
  const n = utf8LengthOver(v, limit);
  if (n <= limit) return undefined;
  const size = v.length > limit ? `${v.length} characters` : `${n} bytes`;
  return `field '${field}' is longer than ${limit} bytes of UTF-8 (${size})`;
}

/** Renders a span of ms for a reason: `3h`, `75 years`, `12m`. */
function span(ms: number): string {
  const units: Array<[string, number]> = [["years", 31_557_600_000], ["days", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]];
  for (const [u, size] of units) {
    if (ms >= size) {
      const v = ms / size;
      const text = v >= 10 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
      return u.length > 1 ? `${text} ${u}` : `${text}${u}`;
    }
  }
  return `${ms}ms`;
}

/** The reason event time `t` is too far ahead of the wall clock, or undefined. */
export function futureError(t: number, bound: FutureBound): string | undefined {
  const ahead = t - bound.now;
  if (ahead <= bound.maxFutureSkewMs) return undefined;
  return (
    `timestamp ${new Date(t).toISOString()} is ${span(ahead)} ahead of the wall clock, ` +
    `more than the allowed future skew of ${span(bound.maxFutureSkewMs)} (--max-future-skew)`
  );
}
