/**
 * The topic browser, like the seeds' Kafka UI: every topic with its partitions, offsets,
 * message counts and consumer-group lag (GET /api/topics, refreshed every 2 s while the page is
 * visible), and a live tail of one topic's messages (GET /api/topics/:name/messages, then
 * Server-Sent Events with ?follow=1). Message text is untrusted: it only ever goes through
 * textContent.
 */
import { count, el, setText } from "./dom";

/** The /api/topics answer (docs/frames.md, HTTP API). */
export interface TopicsResponse {
  source?: { kind: string; description: string };
  topics: {
    name: string;
    kind: string | null;
    partitions: { partition: number; low: number | string; high: number | string; messages: number }[];
    groups?: { groupId: string; lag: number; partitions: { partition: number; offset: number; lag: number }[] }[];
  }[];
}

/** A tailed message. */
export interface TailMessage {
  partition: number;
  offset: number | string;
  timestamp: number | string;
  key: string | null;
  value: string;
}

/** Most messages the tail keeps on screen. */
const TAIL_ROWS = 100;

/** See the module comment. */
export class TopicBrowser {
  private readonly table: HTMLTableSectionElement;
  private readonly status: HTMLElement;
  private readonly tailTitle: HTMLElement;
  private readonly tailList: HTMLElement;
  private tail: EventSource | null = null;
  private tailed: string | null = null;
  private tailBuffer: TailMessage[] = [];
  private tailScheduled = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The newest /api/topics answer (the health strip's lag comes from it). */
  latest: TopicsResponse | null = null;

  constructor(root: HTMLElement, private readonly onTopics: (t: TopicsResponse) => void = () => {}) {
    root.replaceChildren();
    root.append(el("h2", undefined, "Topics"));
    this.status = el("p", "caption", "Loading topics…");
    const t = el("table", "topics");
    const head = t.createTHead().insertRow();
    for (const h of ["topic", "kind", "partitions", "offsets (low → high)", "messages", "consumer lag", ""]) head.append(el("th", undefined, h));
    this.table = t.createTBody();
    this.tailTitle = el("h3", undefined, "Live tail: pick a topic");
    this.tailList = el("ol", "tail");
    root.append(this.status, t, this.tailTitle, this.tailList);
  }

  /** Starts polling /api/topics. */
  start(): void {
    void this.refresh();
    this.timer = setInterval(() => {
      if (document.visibilityState === "visible") void this.refresh();
    }, 2000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.unfollow();
  }

  private async refresh(): Promise<void> {
    try {
      const res = await fetch("/api/topics");
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as TopicsResponse;
      this.latest = body;
      this.render(body);
      this.onTopics(body);
    } catch (err) {
      setText(this.status, `Topics unavailable (${err instanceof Error ? err.message : String(err)}); retrying every 2 s.`);
    }
  }

  private render(body: TopicsResponse): void {
    setText(this.status, body.topics.length ? `${body.topics.length} topics${body.source ? ` on ${body.source.description}` : ""}` : "No topics yet.");
    const rows: HTMLTableRowElement[] = [];
    for (const t of [...body.topics].sort((a, b) => a.name.localeCompare(b.name))) {
      const r = document.createElement("tr");
      r.dataset.topic = t.name;
      const low = t.partitions.map((p) => `${p.partition}: ${count(Number(p.low))} → ${count(Number(p.high))}`).join(", ");
      const messages = t.partitions.reduce((a, p) => a + p.messages, 0);
      const lag = (t.groups ?? []).map((g) => `${g.groupId}: ${count(g.lag)}`).join(", ") || "–";
      for (const text of [t.name, t.kind ?? "–", String(t.partitions.length), low, count(messages), lag]) r.append(el("td", undefined, text));
      const cell = el("td");
      const b = el("button", undefined, this.tailed === t.name ? "stop tail" : "tail");
      b.onclick = () => {
        if (this.tailed === t.name) this.unfollow();
        else this.follow(t.name);
        if (this.latest) this.render(this.latest);
      };
      cell.append(b);
      r.append(cell);
      rows.push(r);
    }
    this.table.replaceChildren(...rows);
  }

  /** Stops the live tail (its messages stay on screen). */
  unfollow(): void {
    this.tail?.close();
    this.tail = null;
    if (this.tailed) setText(this.tailTitle, `Live tail of ${this.tailed}: stopped`);
    this.tailed = null;
  }

  /** Shows the newest messages of `topic` and follows new ones. */
  follow(topic: string): void {
    this.tail?.close();
    this.tailed = topic;
    this.tailBuffer = [];
    setText(this.tailTitle, `Live tail: ${topic}`);
    this.tailList.replaceChildren(el("li", "empty", "Loading messages…"));
    const path = `/api/topics/${encodeURIComponent(topic)}/messages`;
    void fetch(`${path}?limit=50`)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((b: { messages: TailMessage[] }) => {
        if (this.tailed !== topic) return;
        this.push(b.messages);
      })
      .catch((err: unknown) => this.tailList.replaceChildren(el("li", "empty", `Cannot read ${topic}: ${String(err)}`)));
    const es = new EventSource(`${path}?follow=1`);
    es.addEventListener("message", (ev) => {
      try {
        this.push([JSON.parse((ev as MessageEvent<string>).data) as TailMessage]);
      } catch {
        // A malformed server event is skipped: the tail is a view, not a record.
      }
    });
    this.tail = es;
  }

  private push(ms: TailMessage[]): void {
    this.tailBuffer.push(...ms);
    if (this.tailBuffer.length > TAIL_ROWS) this.tailBuffer.splice(0, this.tailBuffer.length - TAIL_ROWS);
    // A busy topic sends hundreds of messages a second: draw at most once per frame.
    if (this.tailScheduled) return;
    this.tailScheduled = true;
    requestAnimationFrame(() => {
      this.tailScheduled = false;
      const items = this.tailBuffer.map((m) => {
        const li = el("li");
        li.append(el("span", "meta", `p${m.partition} @${m.offset} ${typeof m.timestamp === "number" ? new Date(m.timestamp).toISOString() : m.timestamp} key=${m.key ?? "∅"}`), el("code", undefined, m.value));
        return li;
      });
      items.reverse();
      this.tailList.replaceChildren(...(items.length ? items : [el("li", "empty", "No messages yet.")]));
    });
  }
}

/**
 * The consumer group with the most lag summed over `topics` (e.g. the headless runner's), or
 * null when no group reads them. The gateway's own groups are not listed by the API (it
 * commits nothing); when its stats carry a lag, that one is shown instead.
 */
export function consumerLag(body: TopicsResponse, topics: string[]): { lag: number; of: string } | null {
  const byGroup = new Map<string, number>();
  for (const t of body.topics) {
    if (!topics.includes(t.name)) continue;
    for (const g of t.groups ?? []) byGroup.set(g.groupId, (byGroup.get(g.groupId) ?? 0) + g.lag);
  }
  let best: { lag: number; of: string } | null = null;
  for (const [of, lag] of byGroup) if (!best || lag > best.lag) best = { lag, of };
  return best;
}
