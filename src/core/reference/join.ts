/**
 * Plain TypeScript reference of the click→transaction interval join (SPEC `conversions`): the
 * oracle for the WASM kernel (assembly/join.ts), written for clarity rather than speed.
 *
 * With window W, horizon H, and for a time t its click window [s(t), s(t) + W):
 * - a click at c converts when a transaction of the same user and product has c <= T <= c + H,
 *   in either order of arrival; rows per (product, click window) count clicks and converted
 *   (distinct) clicks, and a row is final once wm >= s(c) + W + H (SPEC);
 * - a click is late when its row is final: wm[i] >= s(c) + W + H;
 * - a transaction at T can only convert clicks with T - H <= c <= T, whose windows end at the
 *   latest at s(T) + W; so once wm[i] >= s(T) + W + H every row it could change is final and
 *   it is late. (Spark drops join input older than the watermark minus the time bound; this is
 *   the same idea at row granularity.) The same bound is when a kept transaction is dropped;
 *   a pending click is dropped with its row.
 * - an on-time transaction may still meet a click whose row is final at wm[i] but not yet
 *   emitted (advance() runs after the batch): it skips it, so that results do not depend on
 *   batch boundaries. The mirror case cannot occur: a transaction matching an on-time click
 *   has T >= c, so it is kept at least as long as the click's row is open.
 * Events of any other kind than click / transaction are skipped; non-finite times are late.
 */
import type { ConversionRows, JoinBatch, JoinKernel, JoinOptions } from "../kernels/join";
import { JOIN_KIND_CLICK, JOIN_KIND_TX, normalizeJoinOptions } from "../kernels/join";

interface Row {
  product: number;
  start: number;
  clicks: number;
  converted: number;
}

interface PendingClick {
  t: number;
  row: Row;
}

interface State {
  rows: Row[];
  /** [user, product, t] */
  clicks: [number, number, number][];
  txs: [number, number, number][];
}

/** Reference join kernel: Maps keyed by strings, arrays scanned linearly. */
export class ReferenceJoin implements JoinKernel {
  readonly options: Readonly<Required<JoinOptions>>;
  /** Open rows by `${product}:${start}`. */
  private rows = new Map<string, Row>();
  /** Clicks still waiting for a transaction, by `${user}:${product}`. */
  private clicks = new Map<string, PendingClick[]>();
  /** Transactions kept for clicks still to come, by `${user}:${product}`. */
  private txs = new Map<string, number[]>();

  constructor(options: JoinOptions = {}) {
    this.options = normalizeJoinOptions(options);
  }

  /** Restores a {@link ReferenceJoin.snapshot}. */
  static restore(bytes: Uint8Array): ReferenceJoin {
    const { options, state } = JSON.parse(new TextDecoder().decode(bytes)) as { options: JoinOptions; state: State };
    const k = new ReferenceJoin(options);
    for (const r of state.rows) k.rows.set(`${r.product}:${r.start}`, r);
    for (const [user, product, t] of state.clicks) {
      const pair = `${user}:${product}`;
      const row = k.rows.get(`${product}:${k.windowStart(t)}`)!;
      k.clicks.set(pair, [...(k.clicks.get(pair) ?? []), { t, row }]);
    }
    for (const [user, product, t] of state.txs) k.txs.set(`${user}:${product}`, [...(k.txs.get(`${user}:${product}`) ?? []), t]);
    return k;
  }

  private windowStart(t: number): number {
    const w = this.options.windowMs;
    return t - (((t % w) + w) % w);
  }

  /** The watermark at which the row of the click window holding `t` is final. */
  private finalAt(t: number): number {
    return this.windowStart(t) + this.options.windowMs + this.options.horizonMs;
  }

  process(batch: JoinBatch): Uint32Array {
    const late: number[] = [];
    for (let i = 0; i < batch.n; i++) {
      const kind = batch.kind[i]!;
      if (kind !== JOIN_KIND_CLICK && kind !== JOIN_KIND_TX) continue;
      const t = batch.time[i]!;
      const wm = typeof batch.wm === "number" ? batch.wm : batch.wm[i]!;
      if (!Number.isFinite(t) || wm >= this.finalAt(t)) {
        late.push(i);
        continue;
      }
      const pair = `${batch.user[i]}:${batch.product[i]}`;
      if (kind === JOIN_KIND_CLICK) this.click(pair, batch.product[i]!, t);
      else this.transaction(pair, t, wm);
    }
    return Uint32Array.from(late);
  }

  private click(pair: string, product: number, t: number): void {
    const start = this.windowStart(t);
    const key = `${product}:${start}`;
    let row = this.rows.get(key);
    if (row === undefined) {
      row = { product, start, clicks: 0, converted: 0 };
      this.rows.set(key, row);
    }
    row.clicks += 1;
    const matched = (this.txs.get(pair) ?? []).some((tx) => t <= tx && tx <= t + this.options.horizonMs);
    if (matched) row.converted += 1;
    else this.clicks.set(pair, [...(this.clicks.get(pair) ?? []), { t, row }]);
  }

  private transaction(pair: string, t: number, wm: number): void {
    this.txs.set(pair, [...(this.txs.get(pair) ?? []), t]);
    const waiting: PendingClick[] = [];
    for (const c of this.clicks.get(pair) ?? []) {
      const converts = c.t <= t && t <= c.t + this.options.horizonMs && this.finalAt(c.t) > wm;
      if (converts) c.row.converted += 1;
      else waiting.push(c);
    }
    if (waiting.length > 0) this.clicks.set(pair, waiting);
    else this.clicks.delete(pair);
  }

  advance(wm: number): ConversionRows {
    const out: Row[] = [];
    for (const [key, row] of this.rows) {
      if (this.finalAt(row.start) <= wm) {
        out.push(row);
        this.rows.delete(key);
      }
    }
    for (const [pair, list] of this.clicks) {
      const kept = list.filter((c) => this.finalAt(c.t) > wm);
      if (kept.length > 0) this.clicks.set(pair, kept);
      else this.clicks.delete(pair);
    }
    for (const [pair, list] of this.txs) {
      const kept = list.filter((tx) => this.finalAt(tx) > wm);
      if (kept.length > 0) this.txs.set(pair, kept);
      else this.txs.delete(pair);
    }
    return this.toRows(out);
  }

  peek(): ConversionRows {
    return this.toRows([...this.rows.values()]);
  }

  openEntries(): number {
    let n = this.rows.size;
    for (const l of this.clicks.values()) n += l.length;
    for (const l of this.txs.values()) n += l.length;
    return n;
  }

  /** JSON (numbers round-trip exactly through their shortest decimal form). */
  snapshot(): Uint8Array {
    const split = (pair: string) => pair.split(":").map(Number) as [number, number];
    const state: State = {
      rows: [...this.rows.values()],
      clicks: [...this.clicks].flatMap(([pair, l]) => l.map((c): [number, number, number] => [...split(pair), c.t])),
      txs: [...this.txs].flatMap(([pair, l]) => l.map((t): [number, number, number] => [...split(pair), t])),
    };
    return new TextEncoder().encode(JSON.stringify({ options: this.options, state }));
  }

  destroy(): void {
    this.rows.clear();
    this.clicks.clear();
    this.txs.clear();
  }

  /** Rows ordered by end, then product (the kernel's order). */
  private toRows(rows: Row[]): ConversionRows {
    const r = [...rows].sort((a, b) => a.start - b.start || a.product - b.product);
    return {
      n: r.length,
      product: Uint32Array.from(r, (x) => x.product),
      start: Float64Array.from(r, (x) => x.start),
      end: Float64Array.from(r, (x) => x.start + this.options.windowMs),
      clicks: Uint32Array.from(r, (x) => x.clicks),
      converted: Uint32Array.from(r, (x) => x.converted),
    };
  }
}
