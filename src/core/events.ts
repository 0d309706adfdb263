/**
 * The input event shapes of SPEC.md ("Input topics and event shapes") and their validation.
 *
 * `validate` is on the runner's hot path (every message goes through it), so it reads fields
 * directly, allocates nothing beyond `JSON.parse` and the result object on success, and only
 * builds a reason string when a message is rejected.
 */
import { type FutureBound, futureError, MAX_AMOUNT, MAX_ID_BYTES, MAX_URL_BYTES, tooLong } from "./event-limits";

export { DEFAULT_MAX_FUTURE_SKEW_MS, type FutureBound, MAX_AMOUNT, MAX_ID_BYTES, MAX_URL_BYTES } from "./event-limits";

/** The three input streams; the default topic names equal these kinds. */
export const TOPIC_KINDS = ["clickstream", "transactions", "orders"] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];

/** Clickstream actions accepted by SPEC. A purchase is a transaction, not an action. */
export const ACTIONS = ["view", "click", "add_to_cart", "scroll", "hover", "error"] as const;
export type Action = (typeof ACTIONS)[number];

/** Devices accepted by SPEC. */
export const DEVICES = ["mobile", "desktop", "tablet"] as const;
export type Device = (typeof DEVICES)[number];

/** Epoch milliseconds, or an ISO-8601 string with a zone. */
export type Timestamp = number | string;

/** A `clickstream` event. Optional fields that arrive as JSON `null` are read as absent. */
export interface ClickstreamEvent {
  event_id: string;
  user_id: string;
  product_id: string;
  action: Action;
  timestamp: Timestamp;
  category?: string;
  url?: string;
  session_id?: string;
  device?: Device;
  browser?: string;
}

/** A `transactions` event (a purchase). `amount` is in currency units, e.g. dollars. */
export interface TransactionEvent {
  transaction_id: string;
  user_id: string;
  product_id: string;
  amount: number;
  timestamp: Timestamp;
  category?: string;
  currency?: string;
}

/** An `orders` event. */
export interface OrderEvent {
  order_id: string;
  user_id: string;
  product_id: string;
  amount: number;
  timestamp: Timestamp;
}

/** The event type of each topic kind. */
export type EventOf<K extends TopicKind> = K extends "clickstream"
  ? ClickstreamEvent
  : K extends "transactions"
    ? TransactionEvent
    : OrderEvent;

/** Outcome of {@link validate}: the typed event and its event time, or a readable reason. */
export type Validation<E> = { ok: true; event: E; t: number } | { ok: false; reason: string; future?: true };

// The range of ECMAScript Date, so that every accepted instant can be rendered as ISO-8601.
const MAX_MS = 8.64e15;

const ACTION_SET: ReadonlySet<string> = new Set(ACTIONS);
const DEVICE_SET: ReadonlySet<string> = new Set(DEVICES);

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    // Written negated so that NaN (reading past the end) is rejected too.
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

function daysFromCivil(y: number, m: number, d: number): number {
  // Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar.
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Why a string is not an accepted timestamp, or the instant in ms (the two share one scan). */
function parseIso(s: string): number | string {
  // YYYY-MM-DD[T ]HH:MM[:SS[.fff…]](Z|±HH[:MM]|±HHMM)
  const n = s.length;
  if (n < 17 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return "is not ISO-8601";
  const sep = s.charCodeAt(10);
  if (sep !== 84 && sep !== 116 && sep !== 32) return "is not ISO-8601";
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const h = digits(s, 11, 2), mi = digits(s, 14, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s.charCodeAt(13) !== 58) return "is not ISO-8601";
  let i = 16;
  let sec = 0;
  let ms = 0;
  if (s.charCodeAt(i) === 58) {
    sec = digits(s, i + 1, 2);
    if (sec < 0) return "is not ISO-8601";
    i += 3;
    const dot = s.charCodeAt(i);
    if (dot === 46 || dot === 44) {
      i++;
      const from = i;
      // Fractions finer than a millisecond are truncated (event time is integer ms).
      let scale = 100;
      for (; i < n; i++) {
        const c = s.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        ms += c * scale;
        scale /= 10;
      }
      if (i === from) return "is not ISO-8601";
      ms = Math.floor(ms);
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) {
    return "is not a valid date and time";
  }
  let offsetMin = 0;
  if (i >= n) return "has no zone (add Z or an offset such as +02:00)";
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    i++;
  } else if (z === 43 || z === 45) {
    const oh = digits(s, i + 1, 2);
    let om = 0;
    i += 3;
    if (s.charCodeAt(i) === 58) {
      om = digits(s, i + 1, 2);
      i += 3;
    } else if (i < n) {
      om = digits(s, i, 2);
      i += 2;
    }
    if (oh < 0 || om < 0 || oh > 23 || om > 59 || i > n) return "has a malformed zone offset";
    offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return "has no zone (add Z or an offset such as +02:00)";
  }
  if (i !== n) return "has trailing characters";
  const t = ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi - offsetMin) * 60_000 + sec * 1000 + ms;
  return Math.abs(t) <= MAX_MS ? t : "is out of range";
}

/** The event time of a timestamp value in integer epoch ms, or why it is not one (`timestamp …`). */
export function timestampError(v: unknown): string | number {
  if (typeof v === "number") {
    if (!Number.isFinite(v) || Math.abs(v) > MAX_MS) return `timestamp must be finite epoch milliseconds, got ${v}`;
    return Math.floor(v);
  }
  if (typeof v === "string") {
    const r = parseIso(v);
    return typeof r === "number" ? r : `timestamp ${JSON.stringify(v.length > 64 ? v.slice(0, 64) + "…" : v)} ${r}`;
  }
  return `timestamp must be epoch milliseconds or an ISO-8601 string with a zone, got ${typeName(v)}`;
}

/**
 * Event time of a SPEC timestamp in integer epoch ms: a finite number of milliseconds
 * (fractions floored) or an ISO-8601 string with a zone (`Z`, `+02:00`, `-0500`). Zone-less
 * strings, impossible dates and anything else give `undefined`.
 */
export function parseTimestamp(v: unknown): number | undefined {
  const r = timestampError(v);
  return typeof r === "number" ? r : undefined;
}

/** Renders epoch ms as the ISO-8601 UTC string used in output rows. */
export function formatTimestamp(t: number): string {
  return new Date(t).toISOString();
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function show(v: unknown): string {
  // Objects and arrays are shown as their type: String() on a parsed object can throw (an own
  // `toString` that is not a function), and a reason must never stop validation.
  const s = typeof v === "string" ? JSON.stringify(v) : typeof v === "object" && v !== null ? typeName(v) : String(v);
  return s.length > 64 ? s.slice(0, 64) + "…" : s;
}

type Obj = Record<string, unknown>;

function requireId(o: Obj, f: string): string | undefined {
  const v = o[f];
  if (typeof v === "string" && v.length > 0) return v.length * 3 <= MAX_ID_BYTES ? undefined : tooLong(f, v, MAX_ID_BYTES);
  if (v === undefined || v === null) return `missing required field '${f}'`;
  if (typeof v === "string") return `required field '${f}' is empty`;
  return `field '${f}' must be a string, got ${typeName(v)}`;
}

// Optional fields: absent or null are fine (null is normalised to absent); otherwise a string of
// at most `limit` bytes.
function optionalString(o: Obj, f: string, limit = MAX_ID_BYTES): string | undefined {
  const v = o[f];
  if (v === undefined) return undefined;
  if (typeof v === "string") return v.length * 3 <= limit ? undefined : tooLong(f, v, limit);
  if (v === null) {
    o[f] = undefined;
    return undefined;
  }
  return `field '${f}' must be a string, got ${typeName(v)}`;
}

function amountError(o: Obj): string | undefined {
  const v = o.amount;
  if (typeof v === "number" && v > 0 && v < MAX_AMOUNT) return undefined;
  if (typeof v === "number" && v >= MAX_AMOUNT && Number.isFinite(v)) return `amount must be less than 10^13 currency units (cents must stay exact), got ${v}`;
  if (v === undefined || v === null) return "missing required field 'amount'";
  if (typeof v !== "number") return `amount must be a finite number > 0, got ${typeof v === "object" && v !== null ? `an ${typeName(v)}` : `${typeName(v)} ${show(v)}`}`;
  return `amount must be a finite number > 0, got ${v}`;
}

function check(kind: TopicKind, o: Obj): string | undefined {
  let e: string | undefined;
  switch (kind) {
    case "clickstream": {
      if ((e = requireId(o, "event_id") ?? requireId(o, "user_id") ?? requireId(o, "product_id"))) return e;
      const a = o.action;
      if (typeof a !== "string") return a == null ? "missing required field 'action'" : `field 'action' must be a string, got ${typeName(a)}`;
      if (!ACTION_SET.has(a)) return `unknown action ${show(a)} (expected one of ${ACTIONS.join(", ")})`;
      if ((e = optionalString(o, "category") ?? optionalString(o, "url", MAX_URL_BYTES) ?? optionalString(o, "session_id"))) return e;
      if ((e = optionalString(o, "device") ?? optionalString(o, "browser"))) return e;
      const dev = o.device;
      if (dev !== undefined && !DEVICE_SET.has(dev as string)) return `unknown device ${show(dev)} (expected one of ${DEVICES.join(", ")})`;
      return undefined;
    }
    case "transactions":
      if ((e = requireId(o, "transaction_id") ?? requireId(o, "user_id") ?? requireId(o, "product_id"))) return e;
      return amountError(o) ?? optionalString(o, "category") ?? optionalString(o, "currency");
    case "orders":
      if ((e = requireId(o, "order_id") ?? requireId(o, "user_id") ?? requireId(o, "product_id"))) return e;
      return amountError(o);
  }
}

/** Options of {@link validate} and {@link validateValue}. */
export interface ValidateOptions {
  /** Rejects events stamped further ahead of the wall clock than allowed (none when absent). */
  future?: FutureBound;
}

/**
 * Validates an already-parsed JSON value as an event of `kind` (e.g. a JSONL record's
 * `value`). Extra fields are kept and ignored, as Spark does when reading with a schema.
 */
export function validateValue<K extends TopicKind>(kind: K, value: unknown, opts?: ValidateOptions): Validation<EventOf<K>> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, reason: `not a JSON object (got ${typeName(value)})` };
  }
  const o = value as Obj;
  const e = check(kind, o);
  if (e !== undefined) return { ok: false, reason: e };
  if (o.timestamp === undefined || o.timestamp === null) return { ok: false, reason: "missing required field 'timestamp'" };
  const t = timestampError(o.timestamp);
  if (typeof t === "string") return { ok: false, reason: t };
  const ahead = opts?.future && futureError(t, opts.future);
  if (ahead) return { ok: false, reason: ahead, future: true };
  return { ok: true, event: o as unknown as EventOf<K>, t };
}

let decoder: TextDecoder | undefined;

/** A raw message value (UTF-8 bytes or text) parsed as JSON, or why it is not JSON. */
export function parseMessage(raw: string | Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
  let text: string;
  if (typeof raw === "string") {
    text = raw;
  } else {
    try {
      text = (decoder ??= new TextDecoder("utf-8", { fatal: true })).decode(raw);
    } catch {
      return { ok: false, reason: "not valid UTF-8" };
    }
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: `not valid JSON: ${msg.length > 120 ? msg.slice(0, 120) + "…" : msg}` };
  }
}

/**
 * Validates one raw message value (UTF-8 bytes or text) as an event of `kind`, per SPEC:
 * invalid JSON, a missing required field, a wrong type, a non-finite or non-positive amount,
 * an unknown action or device, or an unparseable timestamp give `{ ok: false, reason }`; so do
 * the bounds of event-limits.ts: an id over 256 bytes (url: 2048), an amount of 10^13 or more,
 * and, with `opts.future`, a timestamp too far ahead of the wall clock.
 */
export function validate<K extends TopicKind>(kind: K, raw: string | Uint8Array, opts?: ValidateOptions): Validation<EventOf<K>> {
  const m = parseMessage(raw);
  return m.ok ? validateValue(kind, m.value, opts) : m;
}
