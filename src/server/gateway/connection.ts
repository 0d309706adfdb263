/**
 * One /ws client of the {@link Hub}: its subscription, the dictionary sizes it holds, its
 * backpressure state and its counters, plus the handling of its JSON messages (hello,
 * subscribe, ping) per docs/frames.md.
 */
import { MAX_CLIENT_MESSAGE_BYTES, type MetricsInfo, MAX_FRAME_EVENTS, parseClientMessage, PROTOCOL_VERSION, type ServerMessage } from "../../core/frames";
import { Backpressure } from "./backpressure";
import { MAX_QUEUED_LIVE, replayHistory } from "./history";
import type { Hub, InputMessage } from "./hub";

/** What the hub needs of a socket (a `ws` WebSocket, or a fake in tests). */
export interface HubSocket {
  send(data: Uint8Array | string): void;
  bufferedAmount(): number;
  close(code: number, reason: string): void;
}

/** Where the welcome message says the events come from. */
export interface ConnectionContext {
  source: { kind: "embedded" | "kafka"; description: string };
  resultsTopic: string | null;
  /** The user-defined metrics the gateway runs (sent in `welcome`). */
  metrics?: MetricsInfo | null;
}

/** See the module comment. */
export class Connection {
  ready = false;
  /** 1 per hub topic index that this client receives. */
  mask: Uint8Array;
  maskKey = "*";
  results = false;
  marks: number[];
  reset = true;
  seq = 0;
  droppedSince = 0;
  droppedTotal = 0;
  invalidSince = 0;
  readonly bp: Backpressure;
  /**
   * While this client replays history: the live messages it would have received (history.ts
   * sends those past the replay's end offsets once the replay is done), and how many did not fit.
   */
  replay: { queue: InputMessage[]; overflow: number; abort: AbortController } | null = null;

  constructor(
    private readonly hub: Hub,
    readonly socket: HubSocket,
  ) {
    this.mask = new Uint8Array(hub.topics.length);
    this.marks = hub.dictionarySizes().map(() => 0);
    this.bp = new Backpressure(hub.backpressure);
  }

  /** Keeps a live message for after the replay (bounded: beyond it the replay ends with a gap). */
  queueLive(m: InputMessage): void {
    const r = this.replay!;
    if (r.queue.length < MAX_QUEUED_LIVE) r.queue.push(m);
    else r.overflow++;
  }

  /** Sends a JSON control message. */
  sendJson(m: ServerMessage): void {
    this.socket.send(JSON.stringify(m));
  }

  private fatal(reason: string, code = 1008): void {
    this.sendJson({ type: "error", reason, fatal: true });
    this.socket.close(code, reason.slice(0, 120));
  }

  private subscribe(topics: string[] | undefined, results: boolean | undefined): { topics: string[]; results: boolean } {
    this.mask.fill(0);
    const names = topics ?? this.hub.topics.map((t) => t.name);
    for (const name of names) {
      const k = this.hub.topicNo(name);
      if (k !== undefined) this.mask[k] = 1;
    }
    this.maskKey = this.mask.every((b) => b === 1) ? "*" : Array.from(this.mask).join("");
    this.results = results ?? false;
    return { topics: this.hub.topics.filter((_, k) => this.mask[k]).map((t) => t.name), results: this.results };
  }

  /** Handles one message from the client; `ctx` feeds the welcome. */
  handle(data: string | Uint8Array, isBinary: boolean, ctx: ConnectionContext): void {
    if (isBinary || typeof data !== "string") return this.fatal("the gateway accepts only JSON text messages");
    if (data.length > MAX_CLIENT_MESSAGE_BYTES) return this.fatal(`message longer than ${MAX_CLIENT_MESSAGE_BYTES} bytes`, 1009);
    const p = parseClientMessage(data);
    if (!p.ok) {
      this.sendJson({ type: "error", reason: p.reason, fatal: false });
      return;
    }
    const m = p.message;
    switch (m.type) {
      case "hello": {
        if (this.ready) return this.fatal("hello sent twice");
        const sizes = this.hub.dictionarySizes();
        // A client of version-1 frames holds five dictionaries: the sixth (`values`) starts at 0.
        const reuse = m.epoch === this.hub.epoch && Array.isArray(m.dicts) && m.dicts.length <= sizes.length && m.dicts.every((s, j) => s <= sizes[j]);
        this.marks = sizes.map((_, j) => (reuse ? (m.dicts![j] ?? 0) : 0));
        this.reset = !reuse;
        const subscribed = this.subscribe(m.topics, m.results);
        this.ready = true;
        this.sendJson({
          type: "welcome",
          v: PROTOCOL_VERSION,
          epoch: this.hub.epoch,
          source: ctx.source,
          topics: this.hub.topics,
          resultsTopic: ctx.resultsTopic,
          reset: this.reset,
          subscribed,
          frameIntervalMs: this.hub.frameIntervalMs,
          limits: { maxFrameEvents: Math.min(this.hub.maxFrameEvents, MAX_FRAME_EVENTS), maxClientMessageBytes: MAX_CLIENT_MESSAGE_BYTES },
          ...(ctx.metrics ? { metrics: ctx.metrics } : {}),
        });
        if (m.history) void replayHistory(this.hub, this, m.history.sinceMs);
        return;
      }
      case "subscribe": {
        if (!this.ready) return this.fatal("send hello first");
        this.sendJson({ type: "subscribed", ...this.subscribe(m.topics, m.results) });
        return;
      }
      case "ping":
        this.sendJson({ type: "pong", id: m.id });
        return;
    }
  }

  /** The socket closed. */
  closed(): void {
    this.replay?.abort.abort();
    this.hub.disconnect(this);
  }
}
