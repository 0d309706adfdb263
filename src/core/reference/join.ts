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

interface Click {
  user: number;
  product: number;
  t: number;
  row: Row;
}

interface Tx {
  user: number;
  product: number;
  t: number;
}

/** Everything that lives exactly as long as the click window starting at `start`. */
interface Group {
  start: number;
  rows: Map<number, Row>;
  /** Clicks of this window still waiting for a transaction. */
  clicks: Set<Click>;
  /** Transactions whose own time falls in this window (kept for clicks still to come). */
  txs: Set<Tx>;
}

/** Reference join kernel: Maps and Sets of plain objects. */
export class ReferenceJoin implements JoinKernel {
  readonly options: Readonly<Required<JoinOptions>>;
  private groups = new Map<number, Group>();
  private clicksByPair = new Map<string, Set<Click>>();
  private txsByPair = new Map<string, Set<Tx>>();

  constructor(options: JoinOptions = {}) {
    this.options = normalizeJoinOptions(options);
  }

  /** Restores a {@link ReferenceJoin.snapshot}. */
  static restore(bytes: Uint8Array): ReferenceJoin {
    const { options, rows, clicks, txs } = JSON.parse(new TextDecoder().decode(bytes)) as {
      options: JoinOptions;
      rows: Row[];
      clicks: [number, number, number][];
      txs: [number, number, number][];
    };
    const k = new ReferenceJoin(options);
    for (const r of rows) k.group(r.start).rows.set(r.product, r);
    for (const [user, product, t] of clicks) k.keepClick({ user, product, t, row: k.group(k.windowStart(t)).rows.get(product)! });
    for (const [user, product, t] of txs) k.keepTx({ user, product, t });
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

  private group(start: number): Group {
    let g = this.groups.get(start);
    if (g === undefined) {
      g = { start, rows: new Map(), clicks: new Set(), txs: new Set() };
      this.groups.set(start, g);
    }
    return g;
  }

  private keepClick(c: Click): void {
    this.group(this.windowStart(c.t)).clicks.add(c);
    const pair = `${c.user}:${c.product}`;
    this.clicksByPair.set(pair, (this.clicksByPair.get(pair) ?? new Set()).add(c));
  }

  private keepTx(x: Tx): void {
    this.group(this.windowStart(x.t)).txs.add(x);
    const pair = `${x.user}:${x.product}`;
    this.txsByPair.set(pair, (this.txsByPair.get(pair) ?? new Set()).add(x));
  }

  private forget<T extends { user: number; product: number }>(byPair: Map<string, Set<T>>, x: T): void {
    const pair = `${x.user}:${x.product}`;
    const set = byPair.get(pair)!;
    set.delete(x);
    if (set.size === 0) byPair.delete(pair);
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
      const user = batch.user[i]!;
      const product = batch.product[i]!;
      if (kind === JOIN_KIND_CLICK) this.click(user, product, t);
      else this.transaction(user, product, t, wm);
    }
    return Uint32Array.from(late);
  }

  private click(user: number, product: number, t: number): void {
    const g = this.group(this.windowStart(t));
    let row = g.rows.get(product);
    if (row === undefined) {
      row = { product, start: g.start, clicks: 0, converted: 0 };
      g.rows.set(product, row);
    }
    row.clicks += 1;
    const txs = this.txsByPair.get(`${user}:${product}`) ?? [];
    const matched = [...txs].some((x) => t <= x.t && x.t <= t + this.options.horizonMs);
    if (matched) row.converted += 1;
    else this.keepClick({ user, product, t, row });
  }

  private transaction(user: number, product: number, t: number, wm: number): void {
    for (const c of [...(this.clicksByPair.get(`${user}:${product}`) ?? [])]) {
      const converts = c.t <= t && t <= c.t + this.options.horizonMs && this.finalAt(c.t) > wm;
      if (!converts) continue;
      c.row.converted += 1;
      this.group(c.row.start).clicks.delete(c);
      this.forget(this.clicksByPair, c);
    }
    this.keepTx({ user, product, t });
  }

  advance(wm: number): ConversionRows {
    const out: Row[] = [];
    for (const g of [...this.groups.values()]) {
      if (g.start + this.options.windowMs + this.options.horizonMs > wm) continue;
      out.push(...g.rows.values());
      for (const c of g.clicks) this.forget(this.clicksByPair, c);
      for (const x of g.txs) this.forget(this.txsByPair, x);
      this.groups.delete(g.start);
    }
    return this.toRows(out);
  }

  peek(): ConversionRows {
    return this.toRows([...this.groups.values()].flatMap((g) => [...g.rows.values()]));
  }

  openEntries(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.rows.size + g.clicks.size + g.txs.size;
    return n;
  }

  /** JSON (numbers round-trip exactly through their shortest decimal form). */
  snapshot(): Uint8Array {
    const groups = [...this.groups.values()];
    const state = {
      options: this.options,
      rows: groups.flatMap((g) => [...g.rows.values()]),
      clicks: groups.flatMap((g) => [...g.clicks].map((c) => [c.user, c.product, c.t])),
      txs: groups.flatMap((g) => [...g.txs].map((x) => [x.user, x.product, x.t])),
    };
    return new TextEncoder().encode(JSON.stringify(state));
  }

  destroy(): void {
    this.groups.clear();
    this.clicksByPair.clear();
    this.txsByPair.clear();
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
