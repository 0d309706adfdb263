/**
 * The record source: the behaviour model plus orders, out-of-order and late timestamps,
 * anomalies and invalid messages, serialised into the records a target writes. Pure and
 * synchronous (no I/O, no wall clock): the same options give the same records. A caller that
 * ties event time to a clock asks for records up to a time limit ({@link EventSource.nextBy});
 * no record is ever stamped later than that limit (jitter and lateness only move time back).
 */
import { type Catalog, categoryBand, DEFAULT_CATALOG } from "../../core/catalog";
import type { TopicKind } from "../../core/events";
import { Prng } from "../../core/prng";
import { anomalyCents, corrupt, type InvalidKind, lateAgeMs } from "./inject";
import { BehaviourModel, type ModelEvent } from "./model";
import type { UserProfile } from "./users";

/** One message to produce. */
export interface GeneratedRecord {
  /** Topic name (kind plus any prefix). */
  topic: string;
  kind: TopicKind;
  /** Message key: the user id (SPEC). */
  key: string;
  /** The message value as text: JSON of the event, or the malformed text. */
  text: string;
  /** True when `text` is not a JSON object (an injected malformed message). */
  raw: boolean;
  /** Set on injected invalid messages. */
  invalid?: InvalidKind;
  late?: boolean;
  anomaly?: boolean;
}

/** Options of {@link EventSource}; all but `seed` and `startMs` have defaults. */
export interface SourceOptions {
  seed: number;
  /** Start of the simulated event clock, epoch ms. */
  startMs: number;
  users?: number;
  catalog?: Catalog;
  /** Topic kinds to produce (default all three). */
  topics?: readonly TopicKind[];
  /** Prepended to each kind to name its topic (default none). */
  topicPrefix?: string;
  /** Events are moved back in time by up to this much (skewed towards 0); default 120000. */
  outOfOrderMs?: number;
  /** Share of valid events whose timestamp is older than the watermark delay. */
  lateFraction?: number;
  /** Watermark delay that late events must exceed (default 5 minutes, SPEC). */
  watermarkDelayMs?: number;
  /** Share of all records that are invalid (for the DLQ). */
  invalidFraction?: number;
  /** Share of transactions with an amount far outside their category's range. */
  anomalyFraction?: number;
  /** Share of records that are orders when orders are produced (default 0.05). */
  orderShare?: number;
  /** Orders use the first N catalog products (default 5), as the original order producer. */
  orderProducts?: number;
}

/** Counts of what a source has produced so far. */
export interface SourceCounts {
  clickstream: number;
  transactions: number;
  orders: number;
  invalid: number;
  late: number;
  anomalies: number;
}

const ORDER_MIN_CENTS = 10_00;
const ORDER_MAX_CENTS = 500_00;
const HOST = "https://shop.example.com";

/** Local time with the zone offset, e.g. `2026-01-01T11:00:00.000+01:00`. */
function isoWithOffset(t: number, offsetMin: number): string {
  const local = new Date(t + offsetMin * 60_000).toISOString().slice(0, -1);
  const sign = offsetMin < 0 ? "-" : "+";
  const a = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}

/** Generates records one at a time; see {@link SourceOptions}. */
export class EventSource {
  readonly counts: SourceCounts = { clickstream: 0, transactions: 0, orders: 0, invalid: 0, late: 0, anomalies: 0 };
  readonly catalog: Catalog;
  private readonly model: BehaviourModel;
  private readonly rng: Prng;
  private readonly faults: Prng;
  private readonly runId: string;
  private readonly enabled: Record<TopicKind, boolean>;
  private readonly names: Record<TopicKind, string>;
  private readonly o: Required<Omit<SourceOptions, "catalog" | "topics" | "topicPrefix">>;
  private readonly categoryMax = new Map<string, number>();
  private seq = 0;

  constructor(options: SourceOptions) {
    this.o = {
      seed: options.seed,
      startMs: options.startMs,
      users: options.users ?? 1000,
      outOfOrderMs: options.outOfOrderMs ?? 120_000,
      lateFraction: options.lateFraction ?? 0,
      watermarkDelayMs: options.watermarkDelayMs ?? 5 * 60_000,
      invalidFraction: options.invalidFraction ?? 0,
      anomalyFraction: options.anomalyFraction ?? 0,
      orderShare: options.orderShare ?? 0.05,
      orderProducts: options.orderProducts ?? 5,
    };
    this.catalog = options.catalog ?? DEFAULT_CATALOG;
    const topics = options.topics ?? ["clickstream", "transactions", "orders"];
    if (topics.length === 0) throw new RangeError("at least one topic kind must be produced");
    this.enabled = { clickstream: topics.includes("clickstream"), transactions: topics.includes("transactions"), orders: topics.includes("orders") };
    const prefix = options.topicPrefix ?? "";
    this.names = { clickstream: prefix + "clickstream", transactions: prefix + "transactions", orders: prefix + "orders" };
    // Independent streams, so that e.g. the jitter draws do not shift the users' behaviour.
    const root = new Prng(this.o.seed);
    this.model = new BehaviourModel(root.fork(), this.catalog, this.o.users, this.o.startMs);
    this.rng = root.fork();
    this.faults = root.fork();
    this.runId = root.hex(8);
    for (const c of this.catalog.categories) this.categoryMax.set(c, categoryBand(this.catalog, c)!.max);
  }

  /** Topic name of each kind. */
  get topicNames(): Readonly<Record<TopicKind, string>> {
    return this.names;
  }

  /** Topic names that this source produces to. */
  get topics(): string[] {
    return (Object.keys(this.enabled) as TopicKind[]).filter((k) => this.enabled[k]).map((k) => this.names[k]);
  }

  /** The next record. */
  next(): GeneratedRecord {
    return this.nextBy(Infinity)!;
  }

  /** Event time of the model's next step: nothing can be produced before it. */
  peekTime(): number {
    return this.model.peekTime();
  }

  /** The next record whose event time is at most `limit`, or undefined when none is due yet. */
  nextBy(limit: number): GeneratedRecord | undefined {
    if (this.model.peekTime() > limit) return undefined;
    const onlyOrders = !this.enabled.clickstream && !this.enabled.transactions;
    if (this.enabled.orders && (onlyOrders || this.rng.chance(this.o.orderShare))) {
      // Orders happen at the simulation's current time, so all streams share one clock.
      if (onlyOrders && !this.model.nextBy(limit)) return undefined;
      return this.order();
    }
    for (;;) {
      const ev = this.model.nextBy(limit);
      if (!ev) return undefined;
      if (this.enabled[ev.kind]) return ev.kind === "clickstream" ? this.click(ev) : this.transaction(ev);
    }
  }

  private id(prefix: string): string {
    return `${prefix}-${this.runId}-${(this.seq++).toString(36)}`;
  }

  /** Event time after out-of-order jitter or late placement; sets `late`. */
  private time(base: number, rec: { late?: boolean }): number {
    if (this.faults.chance(this.o.lateFraction)) {
      rec.late = true;
      return base - lateAgeMs(this.faults, this.o.watermarkDelayMs);
    }
    // u^2 skews the delay towards 0: most events arrive nearly in order, a few up to the bound.
    const u = this.rng.float();
    return base - Math.floor(u * u * this.o.outOfOrderMs);
  }

  private click(ev: ModelEvent): GeneratedRecord {
    const p = this.catalog.products[ev.product];
    const flags: { late?: boolean } = {};
    const t = this.time(ev.t, flags);
    const url = ev.action === "add_to_cart" ? `${HOST}/cart` : `${HOST}/products/${p.product_id}`;
    const event: Record<string, unknown> = {
      event_id: this.id("evt"),
      user_id: ev.user.id,
      session_id: ev.sessionId,
      product_id: p.product_id,
      action: ev.action,
      timestamp: new Date(t).toISOString(),
    };
    // A few events lack `category`, so that consumers exercise the catalog lookup (SPEC).
    if (!this.rng.chance(0.05)) event.category = p.category;
    event.url = url;
    event.device = ev.device;
    event.browser = ev.browser;
    return this.finish("clickstream", ev.user, event, flags);
  }

  private transaction(ev: ModelEvent): GeneratedRecord {
    const p = this.catalog.products[ev.product];
    const flags: { late?: boolean; anomaly?: boolean } = {};
    let cents = ev.amountCents;
    if (this.faults.chance(this.o.anomalyFraction)) {
      cents = anomalyCents(this.faults, this.categoryMax.get(p.category)!);
      flags.anomaly = true;
    }
    const event: Record<string, unknown> = {
      transaction_id: this.id("tx"),
      user_id: ev.user.id,
      product_id: p.product_id,
      amount: cents / 100,
      // Epoch ms here, ISO strings on the other topics: SPEC accepts both, consumers must too.
      timestamp: this.time(ev.t, flags),
    };
    if (!this.rng.chance(0.05)) event.category = p.category;
    event.currency = "USD";
    return this.finish("transactions", ev.user, event, flags);
  }

  private order(): GeneratedRecord {
    const user = this.model.users[this.rng.int(this.model.users.length)];
    const products = this.catalog.products;
    const p = products[this.rng.int(Math.min(this.o.orderProducts, products.length))];
    const flags: { late?: boolean } = {};
    const event: Record<string, unknown> = {
      order_id: this.id("ord"),
      user_id: user.id,
      product_id: p.product_id,
      amount: this.rng.range(ORDER_MIN_CENTS, ORDER_MAX_CENTS) / 100,
      timestamp: isoWithOffset(this.time(this.model.now, flags), user.tzOffsetMin),
    };
    return this.finish("orders", user, event, flags);
  }

  private finish(kind: TopicKind, user: UserProfile, event: Record<string, unknown>, flags: { late?: boolean; anomaly?: boolean }): GeneratedRecord {
    const topic = this.names[kind];
    this.counts[kind]++;
    if (this.faults.chance(this.o.invalidFraction)) {
      const bad = corrupt(this.faults, kind, event);
      this.counts.invalid++;
      return { topic, kind, key: user.id, text: bad.text, raw: bad.raw, invalid: bad.invalid };
    }
    if (flags.late) this.counts.late++;
    if (flags.anomaly) this.counts.anomalies++;
    return { topic, kind, key: user.id, text: JSON.stringify(event), raw: false, late: flags.late, anomaly: flags.anomaly };
  }
}

/** One JSONL line for a record: `{"topic":…,"key":…,"value":…}` (no newline). */
export function jsonlLine(r: GeneratedRecord): string {
  return `{"topic":${JSON.stringify(r.topic)},"key":${JSON.stringify(r.key)},"value":${r.raw ? JSON.stringify(r.text) : r.text}}`;
}
