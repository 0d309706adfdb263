/**
 * The gateway's fan-out: validated input events are dictionary-encoded with gateway-wide,
 * append-only dictionaries into one columnar batch; every `frameIntervalMs` (or when the batch
 * is full) the batch becomes one event frame per client (docs/frames.md): the column body is
 * encoded once per distinct subscription, each client gets its own header and the dictionary
 * strings it has not seen. Sending never waits: each client's {@link Backpressure} decides to
 * send, skip (counted, told) or close, so a slow tab slows nobody else.
 */
import { type Catalog, DEFAULT_CATALOG } from "../../core/catalog";
import { DEFAULT_MAX_FUTURE_SKEW_MS, type FutureBound } from "../../core/events";
import { assembleFrame, type ColumnBody, encodeDeltas, FLAG_RESET, FLAG_SAMPLED, type TopicInfo } from "../../core/frames";
import type { UserMetrics } from "../../core/metrics/user/definition";
import { Connection, type HubSocket } from "./connection";
import { maskedBody } from "./frame-body";
import { FrameBuffer, HubInputs } from "./hub-inputs";
import type { GatewayMetrics } from "./metrics";
import { type BackpressureLimits, DEFAULT_BACKPRESSURE } from "./backpressure";
import type { HistoryReader } from "./history";

/** One message of an input topic, as read from Kafka or made by the embedded source. */
export interface InputMessage {
  topic: string;
  partition: number;
  /** Offset in its partition (splices a history replay onto the live stream; see history.ts). */
  offset?: number;
  value: Uint8Array | string;
  /** Kafka message timestamp, epoch ms. */
  timestamp: number;
}

/** Options of {@link Hub}. */
export interface HubOptions {
  topics: TopicInfo[];
  /** Most time an event waits for its frame (default 100 ms). */
  frameIntervalMs?: number;
  /** Events per frame (default 8192); a full batch is sent at once. */
  maxFrameEvents?: number;
  backpressure?: BackpressureLimits;
  catalog?: Catalog;
  metrics?: GatewayMetrics;
  /** Wall clock (tests). */
  now?: () => number;
  /** Dictionary epoch (default random). */
  epoch?: number;
  /** Reads a time range of the input topics for `hello.history` (none: history is unavailable). */
  history?: HistoryReader;
  /**
   * When the dictionaries together pass this many strings, the hub starts a new epoch with
   * empty ones (default 250,000), so that a new client's first frame, which carries them all,
   * stays a few MB and the gateway's memory stays bounded; every client then gets FLAG_RESET.
   */
  maxDictionaryStrings?: number;
  /** Events stamped further ahead of the wall clock are invalid (default 1 h; see the runner's --max-future-skew). */
  maxFutureSkewMs?: number;
  /**
   * User-defined metrics (selected): `topics` may then hold their declared inputs (kind
   * `declared`), and frames are version 2 with the fields the metrics read (docs/frames.md).
   */
  user?: UserMetrics;
}

const MAX_PENDING_RESULTS = 10_000;

/** See the module comment. */
export class Hub {
  epoch: number;
  readonly topics: TopicInfo[];
  readonly frameIntervalMs: number;
  readonly maxFrameEvents: number;
  readonly backpressure: BackpressureLimits;
  /** Valid and invalid events per topic since start. */
  readonly events: Record<string, number> = {};
  readonly invalid: Record<string, number> = {};
  readonly connections = new Set<Connection>();
  /** Clients replaying history: live messages for them wait in their queue (history.ts). */
  readonly replaying = new Set<Connection>();
  /** The gateway's own consumer lag on the input topics (the source sets it; 0 when unknown). */
  lag = 0;
  readonly history: HistoryReader | undefined;
  /** Validation and encoding of the input topics, with the gateway's dictionaries. */
  readonly inputs: HubInputs;
  private readonly live: FrameBuffer;
  /** Filtered copies of the live batch for clients with a narrower subscription. */
  private readonly scratch: FrameBuffer;
  /** One client's own frames (history, own-frames.ts), built and sent synchronously. */
  readonly own: FrameBuffer;
  private readonly topicCounts: Uint32Array;
  private readonly invalidPending: Uint32Array;
  private results: Record<string, unknown>[] = [];
  private readonly maxDictionaryStrings: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  readonly now: () => number;
  readonly metrics: GatewayMetrics | undefined;
  /** The allowed future skew, shared by live frames and history replays (own-frames.ts). */
  readonly future: FutureBound;

  constructor(opts: HubOptions) {
    this.topics = opts.topics;
    this.epoch = (opts.epoch ?? Math.floor(Math.random() * 0x1_0000_0000)) >>> 0;
    this.frameIntervalMs = opts.frameIntervalMs ?? 100;
    this.maxFrameEvents = opts.maxFrameEvents ?? 8192;
    this.backpressure = opts.backpressure ?? DEFAULT_BACKPRESSURE;
    this.now = opts.now ?? Date.now;
    this.metrics = opts.metrics;
    this.maxDictionaryStrings = opts.maxDictionaryStrings ?? 250_000;
    this.future = { now: 0, maxFutureSkewMs: opts.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS };
    const catalog: Catalog = opts.catalog ?? DEFAULT_CATALOG;
    this.inputs = new HubInputs(opts.topics, catalog, this.future, opts.user);
    this.live = new FrameBuffer(this.maxFrameEvents, this.inputs);
    this.scratch = new FrameBuffer(this.maxFrameEvents, this.inputs);
    this.own = new FrameBuffer(this.maxFrameEvents, this.inputs);
    this.history = opts.history;
    for (const t of opts.topics) {
      this.events[t.name] = 0;
      this.invalid[t.name] = 0;
    }
    this.topicCounts = new Uint32Array(opts.topics.length);
    this.invalidPending = new Uint32Array(opts.topics.length);
  }

  /** Index of a topic the hub forwards, or undefined. */
  topicNo(name: string): number | undefined {
    return this.inputs.topicNo(name);
  }

  /** Validates and queues one input message (unknown topics are ignored). */
  ingest(m: InputMessage): void {
    const k = this.inputs.topicNo(m.topic);
    if (k === undefined) return;
    if (this.replaying.size) for (const c of this.replaying) if (c.mask[k]) c.queueLive(m);
    const v = this.inputs.accept(k, m.value);
    if (!v.ok) {
      this.invalid[m.topic]++;
      this.invalidPending[k]++;
      this.metrics?.invalid.inc({ topic: m.topic });
      return;
    }
    this.events[m.topic]++;
    this.metrics?.events.inc({ topic: m.topic });
    this.inputs.append(this.live, k, v.event, v.t, m);
    this.topicCounts[k]++;
    if (this.live.full) this.flush();
  }

  /** Queues one result row for clients subscribed to results. */
  result(row: Record<string, unknown>): void {
    if (this.results.length >= MAX_PENDING_RESULTS) this.results.shift();
    this.results.push(row);
  }

  /** Registers a client socket; the returned connection handles its messages. */
  connect(socket: HubSocket): Connection {
    const c = new Connection(this, socket);
    this.connections.add(c);
    this.metrics?.clients.set({}, this.connections.size);
    return c;
  }

  /** Called by a connection when its socket closes. */
  disconnect(c: Connection): void {
    this.connections.delete(c);
    this.replaying.delete(c);
    this.metrics?.clients.set({}, this.connections.size);
  }

  /** Dictionary strings added since `marks` (sizes in frame dictionary order), as frame deltas. */
  deltasSince(marks: number[]): { count: number; bytes: Uint8Array } {
    return encodeDeltas(this.inputs.dictNames.map((d, j) => ({ dict: j, ...this.inputs.dicts[d].since(marks[j] ?? 0) })));
  }

  /** Current dictionary sizes in frame dictionary order (six with user metrics, else five). */
  dictionarySizes(): number[] {
    return this.inputs.dictNames.map((d) => this.inputs.dicts[d].size);
  }

  /** Sends what is queued to every client (per-client backpressure), then empties the queue. */
  flush(): void {
    const now = this.now();
    const cache = new Map<string, ColumnBody>();
    const results = this.results;
    this.results = [];
    for (const c of this.connections) {
      if (!c.ready || c.replay) continue;
      let n = 0;
      let invalid = 0;
      for (let k = 0; k < this.topics.length; k++) {
        if (!c.mask[k]) continue;
        n += this.topicCounts[k];
        invalid += this.invalidPending[k];
      }
      c.invalidSince += invalid;
      const rows = c.results && results.length > 0 ? results : null;
      if (n === 0 && !rows) continue;
      const d = c.bp.decide(c.socket.bufferedAmount(), now);
      if (d.changed) c.sendJson({ type: "backpressure", state: c.bp.state, droppedTotal: c.droppedTotal + (d.decision === "skip" ? n : 0), bufferedBytes: c.socket.bufferedAmount() });
      if (d.decision === "close") {
        this.metrics?.closedSlow.inc();
        c.socket.close(1013, "client too slow: send buffer stayed full");
        continue;
      }
      if (d.decision === "skip") {
        c.droppedSince += n;
        c.droppedTotal += n;
        if (n) this.metrics?.dropped.inc({}, n);
        continue;
      }
      if (n > 0) {
        const body = maskedBody(this.inputs, this.live, this.scratch, c.mask, c.maskKey, cache);
        const deltas = this.deltasSince(c.marks);
        const flags = (c.reset ? FLAG_RESET : 0) | (c.droppedSince > 0 ? FLAG_SAMPLED : 0);
        const frame = assembleFrame({ flags, epoch: this.epoch, seq: c.seq++, dropped: c.droppedSince, invalid: c.invalidSince, sentAt: now }, deltas, body);
        c.socket.send(frame);
        this.metrics?.frames.inc();
        this.metrics?.frameBytes.inc({}, frame.length);
        this.metrics?.frameEvents.inc({}, n);
        c.marks = this.dictionarySizes();
        c.reset = false;
        c.droppedSince = 0;
        c.invalidSince = 0;
      }
      if (rows) c.sendJson({ type: "results", rows });
    }
    this.live.clear();
    this.topicCounts.fill(0);
    this.invalidPending.fill(0);
    if (this.dictionarySizes().reduce((a, b) => a + b, 0) > this.maxDictionaryStrings) this.rollover();
  }

  /** A new epoch with empty dictionaries (the batch is empty here); every client starts over. */
  private rollover(): void {
    this.epoch = (this.epoch + 1) >>> 0;
    this.inputs.resetDictionaries();
    for (const c of this.connections) {
      c.marks = this.inputs.dictNames.map(() => 0);
      c.reset = true;
    }
    this.metrics?.epochs.inc();
  }

  /** Sends `stats` to every ready client that is not dropping. */
  sendStats(): void {
    for (const c of this.connections) {
      if (c.ready && c.bp.state !== "dropping") c.sendJson({ type: "stats", events: this.events, invalid: this.invalid, droppedTotal: c.droppedTotal, lag: this.lag });
    }
  }

  /** Starts the flush and stats timers. */
  start(): void {
    this.timer ??= setInterval(() => this.flush(), this.frameIntervalMs);
    this.statsTimer ??= setInterval(() => this.sendStats(), 1000);
    this.timer.unref?.();
    this.statsTimer.unref?.();
  }

  /** Stops the timers and closes every client. */
  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.statsTimer);
    this.timer = this.statsTimer = undefined;
    for (const c of this.connections) c.socket.close(1001, "gateway shutting down");
  }
}
