/**
 * The behaviour model: users come and go in sessions and walk a shopping funnel, simulated as
 * a discrete-event system in *event time*.
 *
 * The model only says what happens when; how its clock relates to the wall clock is the
 * generation loop's business (src/server/generator/run.ts): at wall speed an event is released
 * when the wall clock reaches its time, so a session takes real minutes and a user stays away
 * for real half hours (SPEC's session gap). A user then makes only ~{@link EVENTS_PER_USER_HOUR}
 * events an hour, so a rate of N events/s takes N × 3600 / 44 users; {@link usersForRate} sizes
 * them. Users start in the model's steady state (some mid-session, the rest part-way through a
 * break, settled by a short silent warm-up), so the rate and the clickstream/transactions mix
 * are flat from the first second instead of ramping up over a session length.
 *
 * Per session: a few "engagements" (view a product drawn by Zipf popularity, maybe click it,
 * maybe add it to the cart or buy it at once, with some scroll/hover noise and rare errors),
 * then a checkout that buys most of the cart. Amounts stay within each category's regular range
 * (amounts.ts), so that only injected anomalies score |z| > 3. Probabilities are tuned so that about 80% of
 * the events are clickstream and 20% transactions, as the issue asks.
 */
import type { Catalog } from "../../core/catalog";
import type { Action, Device } from "../../core/events";
import { type Prng, ZipfSampler } from "../../core/prng";
import { type AmountRange, clampAmount, regularRanges } from "./amounts";
import { TimeHeap } from "./heap";
import { makeUsers, pickBrowser, pickDevice, type UserProfile } from "./users";

/** One event of the simulation, before serialisation and fault injection. */
export interface ModelEvent {
  kind: "clickstream" | "transactions";
  /** Event time in epoch ms. */
  t: number;
  user: UserProfile;
  /** Index into the catalog's products. */
  product: number;
  /** Clickstream action (clickstream only). */
  action: Action | undefined;
  /** Purchase amount in cents (transactions only). */
  amountCents: number;
  sessionId: string;
  device: Device;
  browser: string;
}

const SEC = 1000;
const MIN = 60 * SEC;

/** Tunable constants of the model (exported for tests and documentation). */
export const MODEL = {
  /** Mean engagements (products looked at) per session, beyond the first. */
  extraEngagementsMean: 9,
  /** Think time between two events of a session: 1 s plus an exponential with this mean. */
  thinkMeanMs: 8 * SEC,
  pClick: 0.75,
  /** After a click: add to cart with this probability, else buy at once with `pBuyNow`. */
  pCart: 0.8,
  pBuyNow: 0.5,
  /** Each cart item is bought at checkout with this probability. */
  pCheckoutItem: 0.95,
  /** Noise per engagement: scroll or hover, and (rarer) a client error. */
  pNoise: 0.12,
  pError: 0.01,
  /** Share of breaks that are real (>= 30 min, a new SPEC session) rather than short. */
  pLongBreak: 0.8,
  longBreakMinMs: 30 * MIN,
  longBreakExtraMeanMs: 15 * MIN,
  shortBreakMeanMs: 8 * MIN,
  /**
   * Mean session length, from the constants above: ~10 engagements of ~2.6 think times (9 s
   * each) plus the checkout. Used only to start users in the steady state.
   */
  sessionMeanMs: 4.2 * MIN,
  /**
   * The model runs this long before the start without emitting, so that sessions caught mid-way
   * are spread over their phases (some already checking out) as in the steady state. Beyond
   * `warmupUsers` users it shrinks in proportion (it costs ~1.5 model steps per user and minute,
   * ~1 s per 100k users at 10 minutes; a shorter one leaves a few percent more clickstream in the
   * first minutes).
   */
  warmupMs: 10 * MIN,
  warmupUsers: 50_000,
  zipfExponent: 1.0,
} as const;

/**
 * Events per user and hour of event time in the steady state, by kind (measured over 4 h of
 * 20,000 users from the start; test/unit/generator.test.ts checks the model still makes them).
 */
export const EVENTS_PER_USER_HOUR = { clickstream: 35.2, transactions: 9.1 } as const;

/**
 * How many users make `rate` records per second of event time, given the kinds produced and the
 * share of records that are orders (orders ride on the model's clock: a record is an order with
 * probability `orderShare`, else a model event of a produced kind; with orders alone, one order
 * per model event).
 */
export function usersForRate(rate: number, kinds: ProducedKinds, orderShare: number): number {
  return Math.max(1, Math.ceil((rate * 3600) / recordsPerUserHour(kinds, orderShare)));
}

/** Which topic kinds a source produces. */
export type ProducedKinds = { clickstream: boolean; transactions: boolean; orders: boolean };

/** Records one user yields per hour of event time (see {@link usersForRate}). */
export function recordsPerUserHour(kinds: ProducedKinds, orderShare: number): number {
  const all = EVENTS_PER_USER_HOUR.clickstream + EVENTS_PER_USER_HOUR.transactions;
  const model = (kinds.clickstream ? EVENTS_PER_USER_HOUR.clickstream : 0) + (kinds.transactions ? EVENTS_PER_USER_HOUR.transactions : 0);
  if (model === 0) return all;
  return kinds.orders ? model / (1 - Math.min(orderShare, 0.99)) : model;
}

// Plain constants rather than an enum: type-stripping loaders do not support enums.
const Step = { StartSession: 0, View: 1, Click: 2, AfterClick: 3, Noise: 4, NextEngagement: 5, Checkout: 6 } as const;
type Step = (typeof Step)[keyof typeof Step];

interface UserState {
  step: Step;
  sessions: number;
  sessionId: string;
  device: Device;
  browser: string;
  engagementsLeft: number;
  product: number;
  cart: number[];
  /** The first session was caught mid-way at the start: it resumes with a cart already filled. */
  resumes: boolean;
}

/** Produces the model's events in event-time order, deterministically from its `rng`. */
export class BehaviourModel {
  readonly users: UserProfile[];
  private readonly state: UserState[];
  private readonly heap: TimeHeap;
  private readonly zipf: ZipfSampler;
  /** Popularity rank → catalog index (a seeded shuffle, so the hits differ between seeds). */
  private readonly byRank: Int32Array;
  /** Each category's regular amount range (amounts.ts), for the popularity drawn by this seed. */
  private readonly ranges: Map<string, AmountRange>;
  private clock: number;

  constructor(
    private readonly rng: Prng,
    private readonly catalog: Catalog,
    userCount: number,
    private readonly startMs: number,
  ) {
    this.users = makeUsers(userCount, rng);
    this.state = this.users.map((u) => ({
      step: Step.StartSession, sessions: 0, sessionId: "", device: u.device, browser: u.browser,
      engagementsLeft: 0, product: 0, cart: [], resumes: false,
    }));
    this.heap = new TimeHeap(userCount);
    const warmup = Math.round(MODEL.warmupMs * Math.min(1, MODEL.warmupUsers / userCount));
    for (let i = 0; i < userCount; i++) this.heap.push(startMs - warmup + Math.floor(this.firstSession(i)), i);
    const n = catalog.products.length;
    this.zipf = new ZipfSampler(n, MODEL.zipfExponent);
    this.byRank = new Int32Array(n);
    for (let i = 0; i < n; i++) this.byRank[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = this.byRank[i];
      this.byRank[i] = this.byRank[j];
      this.byRank[j] = t;
    }
    // Every product is bought in proportion to how often it is viewed (the funnel's odds do not
    // depend on the product), i.e. by its Zipf weight.
    const weights = new Float64Array(n);
    for (let r = 0; r < n; r++) weights[this.byRank[r]] = 1 / Math.pow(r + 1, MODEL.zipfExponent);
    this.ranges = regularRanges(catalog, weights);
    this.clock = startMs;
  }

  /** Event time of the latest event produced (the simulation's "now"; the start until then). */
  get now(): number {
    return Math.max(this.clock, this.startMs);
  }

  /** Event time of the next step (it may or may not emit an event). */
  peekTime(): number {
    return this.heap.peekTime()!;
  }

  /**
   * Delay from the start to a user's first session, drawn from the renewal process's stationary
   * state: mid-session with probability session / (session + break), else the residual of a
   * length-biased break (uniform over a long break's fixed 30 minutes, or its exponential tail;
   * a short break's residual is exponential again). A session caught mid-way resumes with as many
   * engagements still ahead as a new one (their number is memoryless) and a cart holding what the
   * engagements behind it added, so checkouts come at the steady rate from the start.
   */
  private firstSession(u: number): number {
    const rng = this.rng;
    const pace = this.users[u].pace;
    const longMean = MODEL.longBreakMinMs + MODEL.longBreakExtraMeanMs * pace;
    const shortMean = MODEL.shortBreakMeanMs * pace;
    const breakMean = MODEL.pLongBreak * longMean + (1 - MODEL.pLongBreak) * shortMean;
    if (rng.chance(MODEL.sessionMeanMs / (MODEL.sessionMeanMs + breakMean))) {
      this.state[u].resumes = true;
      return rng.float() * MODEL.thinkMeanMs;
    }
    if (!rng.chance((MODEL.pLongBreak * longMean) / breakMean)) return rng.exp(shortMean);
    if (rng.chance(MODEL.longBreakMinMs / longMean)) return rng.float() * MODEL.longBreakMinMs;
    return MODEL.longBreakMinMs + rng.exp(MODEL.longBreakExtraMeanMs * pace);
  }

  /** A product index drawn by popularity. */
  popularProduct(): number {
    return this.byRank[this.zipf.sample(this.rng)];
  }

  /** Next event in event-time order. */
  next(): ModelEvent {
    return this.nextBy(Infinity)!;
  }

  /** Next event at or before `limit`, or undefined when nothing happens by then. */
  nextBy(limit: number): ModelEvent | undefined {
    for (;;) {
      const t = this.heap.peekTime()!;
      if (t > limit) return undefined;
      const u = this.heap.pop();
      this.clock = t;
      const ev = this.advance(u, t);
      // Warm-up events (before the start) only move users into their steady-state phases.
      if (ev && t >= this.startMs) return ev;
    }
  }

  private schedule(u: number, at: number): void {
    this.heap.push(Math.floor(at), u);
  }

  private think(): number {
    return SEC + this.rng.exp(MODEL.thinkMeanMs);
  }

  private event(u: number, s: UserState, t: number, kind: ModelEvent["kind"], action: Action | undefined, amountCents = 0): ModelEvent {
    return { kind, t, user: this.users[u], product: s.product, action, amountCents, sessionId: s.sessionId, device: s.device, browser: s.browser };
  }

  private price(product: number): number {
    const p = this.catalog.products[product];
    return clampAmount(this.rng.range(p.price_min_cents, p.price_max_cents), this.ranges.get(p.category));
  }

  /** Runs one step of user `u` at time `t`; returns the event it emits, if any. */
  private advance(u: number, t: number): ModelEvent | undefined {
    const s = this.state[u];
    const rng = this.rng;
    switch (s.step) {
      case Step.StartSession: {
        s.sessions++;
        s.sessionId = `${this.users[u].id}-s${s.sessions}`;
        // Most sessions on the user's usual device; sometimes another one.
        s.device = rng.chance(0.85) ? this.users[u].device : pickDevice(rng);
        s.browser = s.device === this.users[u].device ? this.users[u].browser : pickBrowser(rng, s.device);
        s.engagementsLeft = Math.round(rng.exp(MODEL.extraEngagementsMean));
        s.cart.length = 0;
        if (s.resumes) {
          s.resumes = false;
          for (let k = Math.round(rng.exp(MODEL.extraEngagementsMean)); k > 0; k--) {
            if (rng.chance(MODEL.pClick * MODEL.pCart)) s.cart.push(this.popularProduct());
          }
        }
        s.step = Step.View;
        this.schedule(u, t);
        return undefined;
      }
      case Step.View:
        s.product = this.popularProduct();
        s.step = rng.chance(MODEL.pClick) ? Step.Click : rng.chance(MODEL.pNoise) ? Step.Noise : Step.NextEngagement;
        this.schedule(u, t + this.think());
        return this.event(u, s, t, "clickstream", "view");
      case Step.Click:
        s.step = Step.AfterClick;
        this.schedule(u, t + this.think());
        return this.event(u, s, t, "clickstream", "click");
      case Step.AfterClick:
        s.step = rng.chance(MODEL.pNoise) ? Step.Noise : Step.NextEngagement;
        this.schedule(u, t + this.think());
        if (rng.chance(MODEL.pCart)) {
          s.cart.push(s.product);
          return this.event(u, s, t, "clickstream", "add_to_cart");
        }
        if (rng.chance(MODEL.pBuyNow)) return this.event(u, s, t, "transactions", undefined, this.price(s.product));
        return undefined;
      case Step.Noise: {
        s.step = Step.NextEngagement;
        this.schedule(u, t + this.think());
        const r = rng.float();
        const action: Action = r < MODEL.pError / MODEL.pNoise ? "error" : r < 0.6 ? "scroll" : "hover";
        return this.event(u, s, t, "clickstream", action);
      }
      case Step.NextEngagement:
        if (s.engagementsLeft-- > 0) {
          s.step = Step.View;
          this.schedule(u, t);
        } else {
          s.step = Step.Checkout;
          this.schedule(u, t);
        }
        return undefined;
      case Step.Checkout: {
        // Buy the cart one item at a time, a couple of seconds apart; then leave.
        while (s.cart.length > 0) {
          s.product = s.cart.shift()!;
          if (!rng.chance(MODEL.pCheckoutItem)) continue;
          this.schedule(u, t + SEC + rng.exp(2 * SEC));
          return this.event(u, s, t, "transactions", undefined, this.price(s.product));
        }
        const pace = this.users[u].pace;
        const away = rng.chance(MODEL.pLongBreak)
          ? MODEL.longBreakMinMs + rng.exp(MODEL.longBreakExtraMeanMs) * pace
          : rng.exp(MODEL.shortBreakMeanMs) * pace;
        s.step = Step.StartSession;
        this.schedule(u, t + away);
        return undefined;
      }
    }
  }
}
