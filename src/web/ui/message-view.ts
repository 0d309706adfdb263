/**
 * One topic's messages in the topic browser: read from the newest, an offset or a time, in one
 * partition or all, filtered by text in the key, value or headers (GET /api/topics/:name/browse),
 * or followed live (Server-Sent Events). Each message shows partition, offset, time, key and
 * its headers (a dead letter's `eddy-error` stands out); expanding it pretty-prints its JSON.
 * Message text is untrusted: it only ever goes through textContent.
 */
import { el, setText } from "./dom";
import type { TimeBase } from "./time-base";

/** A message as the gateway returns it. */
export interface BrowsedMessage {
  partition: number;
  offset: number | string;
  timestamp: number | string;
  key: string | null;
  value: string;
  headers?: Record<string, string>;
}

/** Most messages kept on screen by the live tail. */
const TAIL_ROWS = 100;
/** Characters of a value shown before it is expanded. */
const PREVIEW = 160;

/** Pretty-printed JSON, or the text as it is when it is not JSON. */
export function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** See the module comment. */
export class MessageView {
  readonly root: HTMLElement;
  private readonly title: HTMLElement;
  private readonly status: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly partition: HTMLSelectElement;
  private readonly from: HTMLSelectElement;
  private readonly offset: HTMLInputElement;
  private readonly at: HTMLInputElement;
  private readonly filter: HTMLInputElement;
  private readonly tailButton: HTMLButtonElement;
  private topic: string | null = null;
  private tail: EventSource | null = null;
  private tailBuffer: BrowsedMessage[] = [];
  private tailScheduled = false;

  constructor(private readonly time: () => TimeBase) {
    this.root = el("div", "messages-view");
    this.root.hidden = true;
    this.title = el("h3", undefined, "Messages");
    const form = el("form", "browse-form");
    const field = (label: string, input: HTMLElement) => {
      const l = el("label", undefined, label);
      l.append(input);
      return l;
    };
    this.partition = el("select");
    this.partition.name = "partition";
    this.from = el("select");
    this.from.name = "from";
    for (const [v, t] of [["newest", "newest"], ["offset", "offset"], ["time", "time"]]) {
      const o = el("option", undefined, t);
      o.value = v;
      this.from.append(o);
    }
    this.offset = el("input");
    this.offset.name = "offset";
    this.offset.type = "number";
    this.offset.min = "0";
    this.offset.placeholder = "offset";
    this.at = el("input");
    this.at.name = "time";
    this.at.type = "datetime-local";
    this.at.step = "1";
    this.filter = el("input");
    this.filter.name = "q";
    this.filter.type = "search";
    this.filter.placeholder = "key or text";
    const read = el("button", undefined, "Read");
    read.type = "submit";
    this.tailButton = el("button", undefined, "Live tail");
    this.tailButton.type = "button";
    this.tailButton.onclick = () => (this.tail ? this.unfollow("stopped") : this.follow());
    const sync = () => {
      this.offset.disabled = this.from.value !== "offset";
      this.at.disabled = this.from.value !== "time";
    };
    this.from.onchange = sync;
    sync();
    form.append(field("partition", this.partition), field("from", this.from), field("offset", this.offset), field(`time`, this.at), field("filter", this.filter), read, this.tailButton);
    form.onsubmit = (e) => {
      e.preventDefault();
      void this.read();
    };
    this.status = el("p", "caption");
    this.list = el("ol", "messages");
    this.root.append(this.title, form, this.status, this.list);
  }

  /** Shows `topic` (with `partitions` partitions) and reads its newest messages; `tailable`: the gateway reads it live. */
  open(topic: string, partitions: number, tailable: boolean): void {
    this.unfollow(null);
    this.topic = topic;
    this.tailButton.hidden = !tailable;
    this.root.hidden = false;
    this.root.dataset.topic = topic;
    setText(this.title, `Messages of ${topic}`);
    const opts = [el("option", undefined, "all")];
    opts[0].value = "";
    for (let p = 0; p < partitions; p++) {
      const o = el("option", undefined, String(p));
      o.value = String(p);
      opts.push(o);
    }
    this.partition.replaceChildren(...opts);
    void this.read();
  }

  /** Reads messages per the form. */
  async read(): Promise<void> {
    const topic = this.topic;
    if (!topic) return;
    this.unfollow(null);
    const q = new URLSearchParams({ limit: "50" });
    if (this.partition.value !== "") q.set("partition", this.partition.value);
    if (this.from.value === "offset" && this.offset.value !== "") q.set("offset", this.offset.value);
    if (this.from.value === "time" && this.at.value) {
      const ms = this.time().zone === "utc" ? Date.parse(`${this.at.value}Z`) : new Date(this.at.value).getTime();
      if (Number.isFinite(ms)) q.set("timestamp", String(ms));
    }
    if (this.filter.value.trim()) q.set("q", this.filter.value.trim());
    setText(this.status, `Reading ${topic}…`);
    try {
      const r = await fetch(`/api/topics/${encodeURIComponent(topic)}/browse?${q}`);
      const body = (await r.json()) as { messages?: BrowsedMessage[]; scanned?: number; complete?: boolean; error?: string };
      if (!r.ok) throw new Error(body.error ?? `HTTP ${r.status}`);
      if (this.topic !== topic) return;
      const msgs = body.messages ?? [];
      const scanned = body.scanned ? ` (${body.scanned.toLocaleString("en-US")} scanned${body.complete === false ? ", stopped at the scan limit" : ""})` : "";
      setText(this.status, `${msgs.length} messages${scanned}, oldest first; expand one for its JSON.`);
      this.render(msgs, false);
    } catch (err) {
      setText(this.status, `Cannot read ${topic}: ${err instanceof Error ? err.message : String(err)}`);
      this.list.replaceChildren();
    }
  }

  /** Follows new messages of the topic (the gateway's own topics only). */
  follow(): void {
    const topic = this.topic;
    if (!topic) return;
    this.tail?.close();
    this.tailBuffer = [];
    setText(this.tailButton, "Stop tail");
    setText(this.status, `Live tail of ${topic}: newest first.`);
    const es = new EventSource(`/api/topics/${encodeURIComponent(topic)}/messages?follow=1&limit=50`);
    es.addEventListener("message", (ev) => {
      try {
        this.push([JSON.parse((ev as MessageEvent<string>).data) as BrowsedMessage]);
      } catch {
        // A malformed server event is skipped: the tail is a view, not a record.
      }
    });
    // EventSource retries by itself every few seconds, each failure an error in the browser's
    // console: stop instead, and let the user start it again.
    es.onerror = () => this.unfollow("connection lost");
    this.tail = es;
  }

  /** Stops the live tail (its messages stay on screen); `why` goes into the status line. */
  unfollow(why: string | null): void {
    if (!this.tail) return;
    this.tail.close();
    this.tail = null;
    setText(this.tailButton, "Live tail");
    if (why && this.topic) setText(this.status, `Live tail of ${this.topic}: ${why}.`);
  }

  private push(ms: BrowsedMessage[]): void {
    this.tailBuffer.push(...ms);
    if (this.tailBuffer.length > TAIL_ROWS) this.tailBuffer.splice(0, this.tailBuffer.length - TAIL_ROWS);
    // A busy topic sends hundreds of messages a second: draw at most once per frame.
    if (this.tailScheduled) return;
    this.tailScheduled = true;
    requestAnimationFrame(() => {
      this.tailScheduled = false;
      this.render(this.tailBuffer, true);
    });
  }

  private render(ms: BrowsedMessage[], newestFirst: boolean): void {
    const time = this.time();
    const items = ms.map((m) => {
      const li = el("li");
      li.dataset.offset = String(m.offset);
      const meta = el("div", "meta");
      const ts = typeof m.timestamp === "number" ? time.full(m.timestamp) : String(m.timestamp);
      meta.append(el("span", undefined, `partition ${m.partition}`), el("span", undefined, `offset ${m.offset}`), el("span", undefined, ts), el("span", undefined, `key ${m.key ?? "∅"}`));
      li.append(meta);
      for (const [k, v] of Object.entries(m.headers ?? {})) li.append(el("span", k === "eddy-error" ? "hdr error" : "hdr", `${k}: ${v}`));
      const d = el("details");
      const preview = m.value.length > PREVIEW ? `${m.value.slice(0, PREVIEW)}…` : m.value;
      const sum = el("summary");
      sum.append(el("code", undefined, preview));
      d.append(sum);
      // Pretty-printing waits for the first expand: a page of big values costs nothing until read.
      d.addEventListener("toggle", () => {
        if (d.open && !d.querySelector("pre")) d.append(el("pre", "json", pretty(m.value)));
      });
      li.append(d);
      return li;
    });
    if (newestFirst) items.reverse();
    this.list.replaceChildren(...(items.length ? items : [el("li", "empty", "No messages.")]));
  }
}
