/**
 * Fault injection: turns a well-formed event into one of the invalid messages SPEC sends to
 * the dead-letter topic, and computes late timestamps and anomalous amounts.
 */
import { MAX_ID_BYTES, MAX_URL_BYTES, type TopicKind } from "../../core/events";
import type { Prng } from "../../core/prng";

/** The kinds of invalid message the generator injects, one per SPEC invalid case. */
export const INVALID_KINDS = [
  "not-json",
  "missing-field",
  "wrong-type",
  "bad-timestamp",
  "bad-amount",
  "non-finite-amount",
  "unknown-action",
  "unknown-device",
  "long-id",
  "long-url",
  "huge-amount",
  "future-timestamp",
] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];

const REQUIRED: Record<TopicKind, readonly string[]> = {
  clickstream: ["event_id", "user_id", "product_id", "action", "timestamp"],
  transactions: ["transaction_id", "user_id", "product_id", "amount", "timestamp"],
  orders: ["order_id", "user_id", "product_id", "amount", "timestamp"],
};

const BY_KIND: Record<TopicKind, readonly InvalidKind[]> = {
  clickstream: ["not-json", "missing-field", "wrong-type", "bad-timestamp", "unknown-action", "unknown-device", "long-id", "long-url", "future-timestamp"],
  transactions: ["not-json", "missing-field", "wrong-type", "bad-timestamp", "bad-amount", "non-finite-amount", "long-id", "huge-amount", "future-timestamp"],
  orders: ["not-json", "missing-field", "wrong-type", "bad-timestamp", "bad-amount", "non-finite-amount", "long-id", "huge-amount", "future-timestamp"],
};

// Far enough ahead that no allowed future skew covers it, whenever the data is read.
const CENTURY_MS = 100 * 365.25 * 86_400_000;

/** A corrupted message: its text, and whether that text is not a JSON object (`raw`). */
export interface Corrupted {
  text: string;
  raw: boolean;
  invalid: InvalidKind;
}

/**
 * Corrupts `event` (mutating it) into an invalid message of `kind`'s topic. Every result is
 * rejected by `validate` from src/core/events.ts (`future-timestamp` when it is given the wall
 * clock bound, as the runner and the gateway do); the generator tests check that.
 */
export function corrupt(rng: Prng, kind: TopicKind, event: Record<string, unknown>): Corrupted {
  const invalid = rng.pick(BY_KIND[kind]);
  const fields = REQUIRED[kind];
  switch (invalid) {
    case "not-json": {
      const full = JSON.stringify(event);
      // Cut inside the object: no proper prefix of a JSON object is valid JSON.
      return { text: full.slice(0, 1 + rng.int(full.length - 2)), raw: true, invalid };
    }
    case "missing-field":
      delete event[rng.pick(fields)];
      break;
    case "wrong-type": {
      const f = rng.pick(fields.filter((x) => x !== "amount" && x !== "action" && x !== "timestamp"));
      event[f] = rng.chance(0.5) ? rng.int(100_000) : { id: event[f] };
      break;
    }
    case "bad-timestamp": {
      const iso = new Date(typeof event.timestamp === "number" ? event.timestamp : Date.parse(String(event.timestamp))).toISOString();
      const choices = [iso.slice(0, -1) /* no zone */, "yesterday", iso.slice(0, 5) + "13" + iso.slice(7), true];
      event.timestamp = rng.pick(choices);
      break;
    }
    case "bad-amount": {
      const amount = event.amount as number;
      event.amount = rng.pick<unknown>([-amount, 0, amount.toFixed(2), null]);
      break;
    }
    case "non-finite-amount": {
      // JSON has no Infinity; 1e999 is valid JSON syntax that parses to Infinity.
      const text = JSON.stringify({ ...event, amount: 0 }).replace('"amount":0', '"amount":1e999');
      return { text, raw: true, invalid };
    }
    case "unknown-action":
      event.action = rng.pick(["purchase", "checkout", "VIEW", ""]);
      break;
    case "unknown-device":
      event.device = rng.pick(["smart-tv", "watch", "Mobile"]);
      break;
    case "long-id": {
      // One byte over the bound, far over it, or over it only in bytes (2-byte characters).
      const f = rng.pick(fields.filter((x) => x.endsWith("_id")));
      const pad = rng.pick([String(event[f]).padEnd(MAX_ID_BYTES + 1, "x"), `${String(event[f])}-${"x".repeat(5000)}`, "é".repeat(MAX_ID_BYTES / 2 + 1)]);
      event[f] = pad;
      break;
    }
    case "long-url":
      event.url = `https://shop.example/search?q=${"a".repeat(MAX_URL_BYTES)}`;
      break;
    case "huge-amount":
      // 1e308 once read as INT64_MIN cents; 9e15 crashed the Parquet encoder; 1e13 is the bound itself.
      event.amount = rng.pick([1e308, 9e15, 1e13]);
      break;
    case "future-timestamp": {
      const t = (typeof event.timestamp === "number" ? event.timestamp : Date.parse(String(event.timestamp))) + CENTURY_MS;
      event.timestamp = rng.chance(0.5) ? t : new Date(t).toISOString();
      break;
    }
  }
  return { text: JSON.stringify(event), raw: false, invalid };
}

/**
 * How far back a late event is placed: beyond the watermark delay by 40 to 70 minutes, so that
 * every window it belongs to (the widest is 5 minutes), its 10-minute conversion horizon and the
 * 30-minute session gap have closed whatever the partition's exact maximum event time. A late
 * event is then late for every metric, so it changes no result in any arrival order.
 */
export function lateAgeMs(rng: Prng, watermarkDelayMs: number): number {
  return watermarkDelayMs + 40 * 60_000 + rng.int(30 * 60_000);
}

/**
 * An anomalous purchase amount: 8 to 20 times the top of the category's band, far beyond
 * |z| > 3 for any band whose spread is not itself enormous.
 */
export function anomalyCents(rng: Prng, categoryMaxCents: number): number {
  return Math.round(categoryMaxCents * (8 + rng.float() * 12));
}
