/**
 * The topic browser, on a par with Kafka UI's basics: every topic with partitions, offsets,
 * messages and consumer lag (internal topics hidden unless asked for), a message view per topic
 * (message-view.ts: seek by offset or time, filter, headers, pretty JSON, live tail), and the
 * consumer groups with their per-partition lag. It polls while the page is visible and the
 * console is connected, backing off after failures, so an outage does not fill the browser's
 * console with failed requests. Below 640 px the table is laid out as one card per topic.
 */
import { count, el, setText } from "./dom";
import { type GroupSummary, GroupsView } from "./groups-view";
import { MessageView } from "./message-view";
import type { TimeBase } from "./time-base";

/** The /api/topics answer (docs/frames.md, HTTP API). */
export interface TopicsResponse {
  source?: { kind: string; description: string };
  topics: {
    name: string;
    kind: string | null;
    internal?: boolean;
    partitions: { partition: number; low: number | string; high: number | string; messages: number }[];
    groups?: { groupId: string; lag: number; partitions: { partition: number; offset: number | string; lag: number }[] }[];
  }[];
}

const POLL_MS = 2000;
const MAX_BACKOFF_MS = 30_000;

/** See the module comment. */
export class TopicBrowser {
  private readonly table: HTMLTableSectionElement;
  private readonly status: HTMLElement;
  private readonly showInternal: HTMLInputElement;
  private readonly topicsPane: HTMLElement;
  private readonly groups: GroupsView;
  private readonly messages: MessageView;
  private tab: "topics" | "groups" = "topics";
  private failures = 0;
  private nextAt = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The newest /api/topics answer. */
  latest: TopicsResponse | null = null;

  constructor(
    root: HTMLElement,
    private readonly connected: () => boolean,
    time: () => TimeBase,
  ) {
    root.replaceChildren();
    root.append(el("h2", undefined, "Topics"));
    const bar = el("div", "tb-bar");
    const tabs = el("div", "tabs");
    tabs.setAttribute("role", "tablist");
    const tabButton = (id: "topics" | "groups", text: string) => {
      const b = el("button", undefined, text);
      b.type = "button";
      b.id = `tab-${id}`;
      b.setAttribute("role", "tab");
      b.setAttribute("aria-selected", String(this.tab === id));
      b.onclick = () => {
        this.tab = id;
        for (const x of tabs.children) x.setAttribute("aria-selected", String(x === b));
        this.topicsPane.hidden = id !== "topics";
        this.groups.root.hidden = id !== "groups";
        this.nextAt = 0;
        void this.poll();
      };
      return b;
    };
    tabs.append(tabButton("topics", "Topics"), tabButton("groups", "Consumer groups"));
    const internal = el("label");
    this.showInternal = el("input");
    this.showInternal.type = "checkbox";
    this.showInternal.id = "show-internal";
    this.showInternal.onchange = () => this.latest && this.render(this.latest);
    internal.append(this.showInternal, " show internal topics");
    bar.append(tabs, internal);
    this.status = el("p", "caption", "Loading topics…");
    this.topicsPane = el("div", "topics-pane");
    const t = el("table", "topics");
    const head = t.createTHead().insertRow();
    for (const h of ["topic", "kind", "partitions", "offsets (low → high)", "messages", "consumer lag", ""]) head.append(el("th", undefined, h));
    this.table = t.createTBody();
    this.messages = new MessageView(time);
    this.topicsPane.append(t, this.messages.root);
    this.groups = new GroupsView();
    this.groups.root.hidden = true;
    root.append(bar, this.status, this.topicsPane, this.groups.root);
  }

  /** Starts polling. */
  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), 500);
  }

  stop(): void {
    clearInterval(this.timer);
    this.messages.unfollow(null);
  }

  private async poll(): Promise<void> {
    if (document.visibilityState !== "visible" || !this.connected() || Date.now() < this.nextAt) return;
    this.nextAt = Infinity;
    try {
      const path = this.tab === "topics" ? "/api/topics" : "/api/groups";
      const res = await fetch(path);
      const body = (await res.json()) as (TopicsResponse & { groups?: GroupSummary[] }) & { error?: string };
      if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
      if (this.tab === "topics") {
        this.latest = body;
        this.render(body);
      } else {
        this.groups.render(body.groups ?? []);
        setText(this.status, `${(body.groups ?? []).length} consumer groups with committed offsets${body.source ? ` on ${body.source.description}` : ""}`);
      }
      this.failures = 0;
      this.nextAt = Date.now() + (this.tab === "topics" ? POLL_MS : 2 * POLL_MS);
    } catch (err) {
      this.failures++;
      const wait = Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** this.failures);
      this.nextAt = Date.now() + wait;
      setText(this.status, `Topics unavailable (${err instanceof Error ? err.message : String(err)}); retrying in ${Math.round(wait / 1000)} s.`);
    }
  }

  private render(body: TopicsResponse): void {
    const all = [...body.topics].sort((a, b) => a.name.localeCompare(b.name));
    const hidden = all.filter((t) => t.internal).length;
    const shown = this.showInternal.checked ? all : all.filter((t) => !t.internal);
    setText(this.status, `${shown.length} topics${hidden && !this.showInternal.checked ? ` (${hidden} internal hidden)` : ""}${body.source ? ` on ${body.source.description}` : ""}`);
    const rows = shown.map((t) => {
      const r = document.createElement("tr");
      r.dataset.topic = t.name;
      if (t.internal) r.className = "internal";
      const offsets = t.partitions.map((p) => `${p.partition}: ${count(Number(p.low))} → ${count(Number(p.high))}`).join(", ");
      const messages = t.partitions.reduce((a, p) => a + p.messages, 0);
      const lag = (t.groups ?? []).map((g) => `${g.groupId}: ${count(g.lag)}`).join(", ") || "–";
      const cells: [string, string][] = [["topic", t.name], ["kind", t.kind ?? "–"], ["partitions", String(t.partitions.length)], ["offsets", offsets], ["messages", count(messages)], ["consumer lag", lag]];
      for (const [label, text] of cells) {
        const td = el("td", undefined, text);
        td.dataset.label = label;
        r.append(td);
      }
      const cell = el("td");
      const b = el("button", "browse", "messages");
      b.type = "button";
      b.onclick = () => this.messages.open(t.name, t.partitions.length, t.kind !== null);
      cell.append(b);
      r.append(cell);
      return r;
    });
    this.table.replaceChildren(...rows);
  }
}
