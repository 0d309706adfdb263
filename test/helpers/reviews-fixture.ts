/**
 * Records of the `reviews` input declared in examples/metrics.json, for tests: time drifting
 * forward, up to 2 min out of order (within the 5-min watermark delay, so none is late), a
 * nested `user`, optional fields missing or of another type, ISO and epoch-ms times, and every
 * 97th record invalid in one of four ways. Deterministic for a seed.
 */

/** Why an invalid review is invalid. */
export type BadReview = "no-rating" | "string-rating" | "bad-time" | "not-json";

/** One review record: its Kafka key and value text; `bad` on invalid ones. */
export interface ReviewRecord {
  key: string;
  value: string;
  bad?: BadReview;
}

const MIN = 60_000;

/** Deterministic numbers in [0, 1) (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `2026-01-01T12:00:00.000+02:00` for instant t. */
function isoPlus2h(t: number): string {
  return new Date(t + 120 * MIN).toISOString().slice(0, -1) + "+02:00";
}

/** `n` review records from event time `t0` (see the module comment). */
export function reviewRecords(t0: number, n: number, seed: number): ReviewRecord[] {
  const rand = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const out: ReviewRecord[] = [];
  let clock = t0;
  for (let i = 0; i < n; i++) {
    clock += Math.floor(rand() * 3000);
    const t = clock - Math.floor(rand() * 2 * MIN);
    const user: Record<string, unknown> = { id: `rv-${Math.floor(rand() * 60)}` };
    const country = pick<unknown>(["de", "fr", "us", "jp", undefined, 49, null]);
    if (country !== undefined) user.country = country;
    const v: Record<string, unknown> = {
      review_id: `r-${i}`,
      product_id: `prod-${String(1 + Math.floor(rand() * 12)).padStart(3, "0")}`,
      user,
      rating: pick([1, 2, 3, 4, 5, 4.5, 2.5]),
      created_at: rand() < 0.6 ? t : isoPlus2h(t),
    };
    const verified = pick<unknown>([true, true, false, undefined, "yes", 1]);
    if (verified !== undefined) v.verified = verified;
    if (i % 97 !== 13) {
      out.push({ key: user.id as string, value: JSON.stringify(v) });
      continue;
    }
    const bad = pick<BadReview>(["no-rating", "string-rating", "bad-time", "not-json"]);
    if (bad === "no-rating") delete v.rating;
    if (bad === "string-rating") v.rating = "5";
    if (bad === "bad-time") v.created_at = "yesterday";
    const text = JSON.stringify(v);
    out.push({ key: user.id as string, value: bad === "not-json" ? text.slice(0, -3) : text, bad });
  }
  return out;
}

/** A review as a line of the generator's JSONL format (`value` a JSON string when not JSON). */
export function reviewLine(topic: string, r: ReviewRecord): string {
  return `{"topic":${JSON.stringify(topic)},"key":${JSON.stringify(r.key)},"value":${r.bad === "not-json" ? JSON.stringify(r.value) : r.value}}`;
}
