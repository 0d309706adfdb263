/**
 * The pipeline's input: validated events of all topics, dictionary-encoded into one columnar
 * batch in arrival order. The runner fills it from decoded JSON, the web worker from binary
 * frames; the kernels then read typed arrays only.
 */
import { type Action, ACTIONS, DEVICES, type ClickstreamEvent, type OrderEvent, type TopicKind, type TransactionEvent } from "../events";
import { currencyToCents } from "../metrics/declaration";

/** Topic codes of the `topic` column. */
export const TOPIC_CLICKSTREAM = 0;
export const TOPIC_TRANSACTIONS = 1;
export const TOPIC_ORDERS = 2;
/** `action` of events that are not clickstream events. */
export const ACTION_NONE = 255;
/** `device` of events without one. */
export const DEVICE_UNKNOWN = DEVICES.length;
/** `url` of events without one. */
export const URL_NONE = 0xffffffff;

const ACTION_CODE = new Map<string, number>(ACTIONS.map((a, i) => [a, i]));

/** The `action` column's code of each SPEC action (its index in ACTIONS): operators test these, never bare numbers. */
export const ACTION: Readonly<Record<Action, number>> = Object.freeze(Object.fromEntries(ACTIONS.map((a, i) => [a, i])) as Record<Action, number>);
const DEVICE_CODE = new Map<string, number>(DEVICES.map((d, i) => [d, i]));

/** Maps strings to dense ids and back (src/core/dictionary.ts implements it). */
export interface Encoder {
  encode(s: string): number;
}

/** The dictionaries a batch is encoded with. */
export interface BatchDictionaries {
  users: Encoder;
  products: Encoder;
  categories: Encoder;
  urls: Encoder;
  streams: Encoder;
}

/** Looks up the category of a product when an event has none (SPEC: catalog, else `unknown`). */
export type CategoryLookup = (productId: string) => string;

/** A columnar batch of events (see the module comment). */
export class EventBatch {
  n = 0;
  readonly topic: Uint8Array;
  /** Watermark stream id (dense id of `topic:partition`). */
  readonly stream: Uint32Array;
  /** Event time, epoch ms. */
  readonly t: Float64Array;
  readonly user: Uint32Array;
  readonly product: Uint32Array;
  readonly category: Uint32Array;
  /** Index into ACTIONS, or ACTION_NONE. */
  readonly action: Uint8Array;
  /** Index into DEVICES, or DEVICE_UNKNOWN. */
  readonly device: Uint8Array;
  readonly url: Uint32Array;
  /** Amount in integer cents (transactions, orders), else 0. */
  readonly cents: Float64Array;
  /** event_id / transaction_id / order_id, for rows that name an event (anomalies). */
  readonly id: string[];
  /** Wall-clock ms at which each event was read (event-to-output latency). */
  readonly readAt: Float64Array;

  constructor(readonly capacity: number) {
    this.topic = new Uint8Array(capacity);
    this.stream = new Uint32Array(capacity);
    this.t = new Float64Array(capacity);
    this.user = new Uint32Array(capacity);
    this.product = new Uint32Array(capacity);
    this.category = new Uint32Array(capacity);
    this.action = new Uint8Array(capacity);
    this.device = new Uint8Array(capacity);
    this.url = new Uint32Array(capacity);
    this.cents = new Float64Array(capacity);
    this.id = new Array<string>(capacity).fill("");
    this.readAt = new Float64Array(capacity);
  }

  get full(): boolean {
    return this.n >= this.capacity;
  }

  clear(): void {
    this.n = 0;
  }
}

/** Converts an amount in currency units to integer cents (SPEC: money is summed in cents). */
export const toCents = currencyToCents;

/**
 * Appends validated events to an {@link EventBatch}, encoding strings with the pipeline's
 * dictionaries. One builder per pipeline; `append` returns the event's index in the batch.
 */
export class BatchBuilder {
  constructor(
    private readonly dict: BatchDictionaries,
    private readonly categoryOf: CategoryLookup,
  ) {}

  /** Appends one validated event of `kind` with event time `t`; the batch must not be full. */
  append(
    batch: EventBatch,
    kind: TopicKind,
    event: ClickstreamEvent | TransactionEvent | OrderEvent,
    t: number,
    streamName: string,
    readAt: number,
  ): number {
    const i = batch.n++;
    const d = this.dict;
    batch.stream[i] = d.streams.encode(streamName);
    batch.t[i] = t;
    batch.user[i] = d.users.encode(event.user_id);
    batch.product[i] = d.products.encode(event.product_id);
    batch.readAt[i] = readAt;
    if (kind === "clickstream") {
      const e = event as ClickstreamEvent;
      batch.topic[i] = TOPIC_CLICKSTREAM;
      batch.category[i] = d.categories.encode(e.category ?? this.categoryOf(e.product_id));
      batch.action[i] = ACTION_CODE.get(e.action)!;
      batch.device[i] = e.device === undefined ? DEVICE_UNKNOWN : DEVICE_CODE.get(e.device)!;
      batch.url[i] = e.url === undefined ? URL_NONE : d.urls.encode(e.url);
      batch.cents[i] = 0;
      batch.id[i] = e.event_id;
    } else {
      const e = event as TransactionEvent | OrderEvent;
      batch.topic[i] = kind === "transactions" ? TOPIC_TRANSACTIONS : TOPIC_ORDERS;
      const cat = kind === "transactions" ? (e as TransactionEvent).category : undefined;
      batch.category[i] = d.categories.encode(cat ?? this.categoryOf(e.product_id));
      batch.action[i] = ACTION_NONE;
      batch.device[i] = DEVICE_UNKNOWN;
      batch.url[i] = URL_NONE;
      batch.cents[i] = toCents(e.amount);
      batch.id[i] = kind === "transactions" ? (e as TransactionEvent).transaction_id : (e as OrderEvent).order_id;
    }
    return i;
  }

  /** Appends an event of a declared input (batch topic `code`): only its time and stream count here. */
  appendOther(batch: EventBatch, code: number, t: number, streamName: string, readAt: number): number {
    const i = batch.n++;
    batch.topic[i] = code;
    batch.stream[i] = this.dict.streams.encode(streamName);
    batch.t[i] = t;
    batch.user[i] = 0;
    batch.product[i] = 0;
    batch.category[i] = 0;
    batch.action[i] = ACTION_NONE;
    batch.device[i] = DEVICE_UNKNOWN;
    batch.url[i] = URL_NONE;
    batch.cents[i] = 0;
    batch.id[i] = "";
    batch.readAt[i] = readAt;
    return i;
  }
}
