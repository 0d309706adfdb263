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
  append(topic: string, partition: number, offset: string, timestamp: number, key: string | null, value: Uint8Array | string | null): void {
    let text = value === null ? "" : typeof value === "string" ? value : this.decoder.decode(value);
    if (text.length > MAX_VALUE_CHARS) text = text.slice(0, MAX_VALUE_CHARS) + "…";
    const m: LoggedMessage = { topic, partition, offset, timestamp, key, value: text };
    let r = this.rings.get(topic);
    if (!r) this.rings.set(topic, (r = { items: [], next: 0 }));
    if (r.items.length < this.capacity) r.items.push(m);
    else r.items[r.next] = m;
    r.next = (r.next + 1) % this.capacity;
    const ls = this.listeners.get(topic);
    if (ls) for (const l of ls) l(m);
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
