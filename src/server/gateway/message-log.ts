/**
 * The recent messages of every topic the gateway reads (a ring per topic) and the live-tail
 * listeners of /api/topics/:name/messages?follow=1.
 */

/** A message as the topic browser shows it. */
export interface LoggedMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  key: string | null;
  /** UTF-8 text of the value (cut at {@link MAX_VALUE_CHARS}). */
  value: string;
  /** Kafka record headers as text (e.g. a dead letter's `eddy-error`); absent when none. */
  headers?: Record<string, string>;
}

/** Longest value kept per message (the rest is cut and marked with "…"). */
export const MAX_VALUE_CHARS = 64 * 1024;

type Listener = (m: LoggedMessage) => void;

/** See the module comment. */
export class MessageLog {
  private readonly rings = new Map<string, { items: LoggedMessage[]; next: number }>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly decoder = new TextDecoder();

  constructor(readonly capacity = 200) {}

  /** Records a message; `value` bytes are decoded as UTF-8 (lossy, for display). */
  append(topic: string, partition: number, offset: string, timestamp: number, key: string | null, value: Uint8Array | string | null, headers?: Record<string, string>): void {
    const m = toLogged(topic, partition, offset, timestamp, key, value, headers, this.decoder);
    let r = this.rings.get(topic);
    if (!r) this.rings.set(topic, (r = { items: [], next: 0 }));
    if (r.items.length < this.capacity) r.items.push(m);
    else r.items[r.next] = m;
    r.next = (r.next + 1) % this.capacity;
    const ls = this.listeners.get(topic);
    if (ls) for (const l of ls) l(m);
  }

  /** Every message of `topic` held, oldest first. */
  all(topic: string): LoggedMessage[] {
    return this.recent(topic, this.capacity);
  }

  /** Whether any message of `topic` has been seen. */
  has(topic: string): boolean {
    return this.rings.has(topic);
  }

  /** The newest `limit` messages of `topic`, oldest first. */
  recent(topic: string, limit: number): LoggedMessage[] {
    const r = this.rings.get(topic);
    if (!r) return [];
    const ordered = r.items.length < this.capacity ? r.items : [...r.items.slice(r.next), ...r.items.slice(0, r.next)];
    return ordered.slice(Math.max(0, ordered.length - limit));
  }

  /** Calls `fn` for every new message of `topic` until the returned function is called. */
  follow(topic: string, fn: Listener): () => void {
    let s = this.listeners.get(topic);
    if (!s) this.listeners.set(topic, (s = new Set()));
    s.add(fn);
    return () => {
      s.delete(fn);
    };
  }
}

/** A message as shown: the value as UTF-8 text cut at {@link MAX_VALUE_CHARS}. */
export function toLogged(
  topic: string,
  partition: number,
  offset: string,
  timestamp: number,
  key: string | null,
  value: Uint8Array | string | null,
  headers?: Record<string, string>,
  decoder = new TextDecoder(),
): LoggedMessage {
  let text = value === null ? "" : typeof value === "string" ? value : decoder.decode(value);
  if (text.length > MAX_VALUE_CHARS) text = text.slice(0, MAX_VALUE_CHARS) + "…";
  return { topic, partition, offset, timestamp, key, value: text, ...(headers && Object.keys(headers).length ? { headers } : {}) };
}

/** Kafka record headers (Buffer, string or arrays of them) as text, or undefined when none. */
export function headerText(h: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!h) return undefined;
  const out: Record<string, string> = {};
  const text = (v: unknown): string => (v === undefined || v === null ? "" : typeof v === "string" ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v));
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? v.map(text).join(", ") : text(v);
  return Object.keys(out).length ? out : undefined;
}

/** Whether a message's key or value contains `q` (lower-cased). */
export function matches(m: LoggedMessage, q: string): boolean {
  return (m.key ?? "").toLowerCase().includes(q) || m.value.toLowerCase().includes(q) || Object.values(m.headers ?? {}).some((v) => v.toLowerCase().includes(q));
}
