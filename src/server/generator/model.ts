/**
 * The behaviour model: users come and go in sessions and walk a shopping funnel, simulated as
 * a discrete-event system in *event time*.
 *
 * Why event time is simulated rather than read from the wall clock: SPEC's session gap is
 * 30 minutes, so realistic sessions need users to stay away for half an hour or more, and
 * 1,000 such users produce only ~10 events per second of their own time. Stamping events with
 * the wall clock at 200 events/s would either give every user one endless session or need
 * ~20,000 users; it would also leave a live dashboard empty for the first 6 minutes (1-minute
 * windows + 5-minute watermark delay). So the simulated clock runs as fast as the events are
 * produced: at the defaults it runs ~15-20x faster than the wall clock, windows close every
 * few seconds, and every SPEC metric (windows, sessions, the 10-minute conversion join) sees
 * human-scale timing. Raise --users to bring event time closer to wall time.
 *
 * Per session: a few "engagements" (view a product drawn by Zipf popularity, maybe click it,
 * maybe add it to the cart or buy it at once, with some scroll/hover noise and rare errors),
 * then a checkout that buys most of the cart. Probabilities are tuned so that about 80% of
 * the events are clickstream and 20% transactions, as the issue asks.
 */
import type { Catalog } from "../../core/catalog";
import type { Action, Device } from "../../core/events";
import { type Prng, ZipfSampler } from "../../core/prng";
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
  /** Users start their first session uniformly within this span after the start. */
  rampMs: 45 * MIN,
  zipfExponent: 1.0,
} as const;

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
}

/** Produces the model's events in event-time order, deterministically from its `rng`. */
export class BehaviourModel {
  readonly users: UserProfile[];
  private readonly state: UserState[];
  private readonly heap: TimeHeap;
  private readonly zipf: ZipfSampler;
  /** Popularity rank → catalog index (a seeded shuffle, so the hits differ between seeds). */
  private readonly byRank: Int32Array;
  private clock: number;

  constructor(
    private readonly rng: Prng,
    private readonly catalog: Catalog,
    userCount: number,
    startMs: number,
  ) {
    this.users = makeUsers(userCount, rng);
    this.state = this.users.map((u) => ({
      step: Step.StartSession, sessions: 0, sessionId: "", device: u.device, browser: u.browser,
      engagementsLeft: 0, product: 0, cart: [],
    }));
    this.heap = new TimeHeap(userCount);
    for (let i = 0; i < userCount; i++) this.heap.push(startMs + Math.floor(rng.float() * MODEL.rampMs), i);
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
    this.clock = startMs;
  }

  /** Event time of the latest event produced (the simulation's "now"). */
  get now(): number {
    return this.clock;
  }

  /** A product index drawn by popularity. */
  popularProduct(): number {
    return this.byRank[this.zipf.sample(this.rng)];
  }

  /** Next event in event-time order. */
  next(): ModelEvent {
    for (;;) {
      const t = this.heap.peekTime()!;
      const u = this.heap.pop();
      this.clock = t;
      const ev = this.advance(u, t);
      if (ev) return ev;
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
    return this.rng.range(p.price_min_cents, p.price_max_cents);
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
