/**
 * The gateway's fan-out: validated input events are dictionary-encoded with gateway-wide,
 * append-only dictionaries into one columnar batch; every `frameIntervalMs` (or when the batch
 * is full) the batch becomes one event frame per client (docs/frames.md): the column body is
 * encoded once per distinct subscription, each client gets its own header and the dictionary
 * strings it has not seen. Sending never waits: each client's {@link Backpressure} decides to
 * send, skip (counted, told) or close, so a slow tab slows nobody else.
 */
import { categoryOf, type Catalog, DEFAULT_CATALOG } from "../../core/catalog";
import { Dictionary } from "../../core/dictionary";
import { DEFAULT_MAX_FUTURE_SKEW_MS, type FutureBound, validate } from "../../core/events";
import {
  assembleFrame,
  type ColumnBody,
  columnsOfBatch,
  encodeColumns,
  encodeDeltas,
  FLAG_RESET,
  FLAG_SAMPLED,
  FRAME_DICTS,
  type FrameDictName,
  type TopicInfo,
} from "../../core/frames";
import { BatchBuilder, EventBatch, TOPIC_CLICKSTREAM } from "../../core/pipeline/batch";
import { Connection, type HubSocket } from "./connection";
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
  readonly dicts: Record<FrameDictName, Dictionary>;
  private readonly builder: BatchBuilder;
  private readonly batch: EventBatch;
  private readonly scratch: EventBatch;
  /** One client's own frames (history, own-frames.ts), built and sent synchronously. */
  readonly own: EventBatch;
  private readonly topicIndex = new Map<string, number>();
  /** Topic index of each `streams` id. */
  private readonly streamTopic: number[] = [];
  private readonly topicCounts: Uint32Array;
  private readonly invalidPending: Uint32Array;
  private results: Record<string, unknown>[] = [];
  /** `topic:partition` names per topic index and partition, so that ingest builds no string. */
  private readonly streamNames: string[][] = [];
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
    const catalog = opts.catalog ?? DEFAULT_CATALOG;
    this.dicts = Object.fromEntries(FRAME_DICTS.map((d) => [d, new Dictionary()])) as Record<FrameDictName, Dictionary>;
    this.builder = new BatchBuilder(this.dicts, (p) => categoryOf(catalog, p));
    this.batch = new EventBatch(this.maxFrameEvents);
    this.scratch = new EventBatch(this.maxFrameEvents);
    this.own = new EventBatch(this.maxFrameEvents);
    this.history = opts.history;
    opts.topics.forEach((t, i) => {
      this.topicIndex.set(t.name, i);
      this.events[t.name] = 0;
      this.invalid[t.name] = 0;
      this.streamNames.push([]);
    });
    this.topicCounts = new Uint32Array(opts.topics.length);
    this.invalidPending = new Uint32Array(opts.topics.length);
  }

  /** Index of a topic the hub forwards, or undefined. */
  topicNo(name: string): number | undefined {
    return this.topicIndex.get(name);
  }

  /** Validates and queues one input message (unknown topics are ignored). */
  ingest(m: InputMessage): void {
    const k = this.topicIndex.get(m.topic);
    if (k === undefined) return;
    if (this.replaying.size) for (const c of this.replaying) if (c.mask[k]) c.queueLive(m);
    const kind = this.topics[k].kind;
    this.future.now = Date.now(); // the wall clock itself: `now` may be a test's frame clock
    const v = validate(kind, m.value, { future: this.future });
    if (!v.ok) {
      this.invalid[m.topic]++;
      this.invalidPending[k]++;
      this.metrics?.invalid.inc({ topic: m.topic });
      return;
    }
    this.events[m.topic]++;
    this.metrics?.events.inc({ topic: m.topic });
    this.append(this.batch, k, v.event, v.t, m);
    this.topicCounts[k]++;
    if (this.batch.full) this.flush();
  }

  /** Appends a validated event of hub topic `k` to `batch` (the live batch, or a client's own: own-frames.ts). */
  append(batch: EventBatch, k: number, event: Parameters<BatchBuilder["append"]>[2], t: number, m: InputMessage): void {
    const streams = this.dicts.streams;
    const before = streams.size;
    const names = this.streamNames[k];
    const stream = (names[m.partition] ??= `${m.topic}:${m.partition}`);
    const i = this.builder.append(batch, this.topics[k].kind, event, t, stream, m.timestamp);
    if (streams.size !== before) this.streamTopic.push(k);
    // No metric reads clickstream event ids: leaving them out saves ~25 bytes per click.
    if (batch.topic[i] === TOPIC_CLICKSTREAM) batch.id[i] = "";
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

  /** Dictionary strings added since `marks` (sizes in FRAME_DICTS order), as frame deltas. */
  deltasSince(marks: number[]): { count: number; bytes: Uint8Array } {
    return encodeDeltas(FRAME_DICTS.map((d, j) => ({ dict: j, ...this.dicts[d].since(marks[j]) })));
  }

  /** Current dictionary sizes in FRAME_DICTS order. */
  dictionarySizes(): number[] {
    return FRAME_DICTS.map((d) => this.dicts[d].size);
  }

  /** The column body of the batch restricted to the topics in `mask` (cached per flush by key). */
  private body(mask: Uint8Array, key: string, cache: Map<string, ColumnBody>): ColumnBody {
    let b = cache.get(key);
    if (b) return b;
    const src = this.batch;
    if (key === "*") {
      b = encodeColumns(columnsOfBatch(src), 0, src.n, src.id);
    } else {
      const dst = this.scratch;
      dst.clear();
      for (let i = 0; i < src.n; i++) {
        if (!mask[this.streamTopic[src.stream[i]]]) continue;
        const j = dst.n++;
        dst.topic[j] = src.topic[i];
        dst.stream[j] = src.stream[i];
        dst.t[j] = src.t[i];
        dst.user[j] = src.user[i];
        dst.product[j] = src.product[i];
        dst.category[j] = src.category[i];
        dst.action[j] = src.action[i];
        dst.device[j] = src.device[i];
        dst.url[j] = src.url[i];
        dst.cents[j] = src.cents[i];
        dst.id[j] = src.id[i];
        dst.readAt[j] = src.readAt[i];
      }
      b = encodeColumns(columnsOfBatch(dst), 0, dst.n, dst.id);
    }
    cache.set(key, b);
    return b;
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
        const body = this.body(c.mask, c.maskKey, cache);
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
    this.batch.clear();
    this.topicCounts.fill(0);
    this.invalidPending.fill(0);
    if (this.dictionarySizes().reduce((a, b) => a + b, 0) > this.maxDictionaryStrings) this.rollover();
  }

  /** A new epoch with empty dictionaries (the batch is empty here); every client starts over. */
  private rollover(): void {
    this.epoch = (this.epoch + 1) >>> 0;
    for (const d of FRAME_DICTS) this.dicts[d] = new Dictionary();
    this.streamTopic.length = 0;
    for (const c of this.connections) {
      c.marks = FRAME_DICTS.map(() => 0);
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
