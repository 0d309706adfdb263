/**
 * `traffic` (SPEC): per 5-minute window sliding every minute, over clickstream events: distinct
 * active users, events per device, events per action and the top urls by views. Two window
 * aggregates with the same windows: one counting distinct users, one counting events keyed by
 * device | action | viewed url in one key space. Partial rows (a task of a parallel run) also
 * carry every viewed url's views, `__url_views`.
 */
import { DEVICES, ACTIONS } from "../../events";
import { URL_VIEWS } from "../../metrics/builtin-pack";
import { ACTION, TOPIC_CLICKSTREAM, URL_NONE, type EventBatch } from "../batch";
import type { OutputRow } from "../rows";
import { rowsToObjects, type WindowAggregate, type WindowRow, type WindowRows } from "../../kernels/window";
import { type MetricOp, type OpContext, type OpStates, Scratch } from "./op";

const N_DEVICE = DEVICES.length + 1; // + unknown
const ACTION_BASE = N_DEVICE;
const URL_BASE = ACTION_BASE + ACTIONS.length;

export class TrafficOp implements MetricOp {
  readonly name = "traffic";
  private readonly users: WindowAggregate;
  private readonly counts: WindowAggregate;
  private readonly su: Scratch;
  private readonly sc: Scratch;

  constructor(private readonly ctx: OpContext, states?: OpStates) {
    const c = ctx.config;
    const spec = { sizeMs: c.trafficWindowMs, slideMs: c.trafficSlideMs };
    this.users = ctx.kernels.window({ ...spec, distinct: true }, states?.get("users"));
    this.counts = ctx.kernels.window(spec, states?.get("counts"));
    this.su = new Scratch(ctx.capacity);
    // Each event contributes a device key, an action key and maybe a url key.
    this.sc = new Scratch(ctx.capacity * 3);
  }

  ingest(b: EventBatch, wm: Float64Array, late: Uint32Array, lateBit: number): void {
    const su = this.su;
    const sc = this.sc;
    su.n = 0;
    sc.n = 0;
    for (let i = 0; i < b.n; i++) {
      if (b.topic[i] !== TOPIC_CLICKSTREAM) continue;
      const j = su.take(b, wm, i);
      su.key[j] = 0;
      su.key2[j] = b.user[i];
      sc.key[sc.take(b, wm, i)] = b.device[i];
      sc.key[sc.take(b, wm, i)] = ACTION_BASE + b.action[i];
      if (b.action[i] === ACTION.view && b.url[i] !== URL_NONE) sc.key[sc.take(b, wm, i)] = URL_BASE + b.url[i];
    }
    if (su.n === 0) return;
    // Both aggregates share windows and watermarks, so an event is late for one iff for the other.
    su.markLate(this.users.process({ n: su.n, time: su.t, key: su.key, distinct: su.key2, wm: su.wm }), late, lateBit);
    this.counts.process({ n: sc.n, time: sc.t, key: sc.key, wm: sc.wm });
  }

  close(wm: number, out: OutputRow[]): void {
    // Copy the first rows out: the second kernel call may grow memory and detach their views.
    const u = rowsToObjects(this.users.advance(wm));
    this.emit(u, out, this.counts.advance(wm));
  }

  peek(out: OutputRow[]): void {
    const u = rowsToObjects(this.users.peek());
    this.emit(u, out, this.counts.peek());
  }

  /** Both row sets are ordered by window end; the users set has one row per window. */
  private emit(u: WindowRow[], out: OutputRow[], c: WindowRows): void {
    let k = 0;
    for (const w of u) {
      const end = w.end;
      const row: OutputRow = { metric: "traffic", window_start: w.start, window_end: end, active_users: w.distinct, events: 0 };
      for (let d = 0; d < N_DEVICE; d++) row[`device_${d < DEVICES.length ? DEVICES[d] : "unknown"}`] = 0;
      for (const a of ACTIONS) row[`action_${a}`] = 0;
      const urls: { url: string; views: number }[] = [];
      while (k < c.n && c.end[k] < end) k++;
      for (; k < c.n && c.end[k] === end; k++) {
        const key = c.key[k];
        const n = c.count[k];
        if (key < ACTION_BASE) {
          row[`device_${key < DEVICES.length ? DEVICES[key] : "unknown"}`] = n;
          row.events = (row.events as number) + n;
        } else if (key < URL_BASE) row[`action_${ACTIONS[key - ACTION_BASE]}`] = n;
        else urls.push({ url: this.ctx.urls.decode(key - URL_BASE), views: n });
      }
      urls.sort((a, b) => b.views - a.views || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
      row.top_urls = urls.slice(0, this.ctx.config.topUrls);
      // A task's partial row: top urls of all tasks need every url's views.
      if (this.ctx.partials) row[URL_VIEWS] = urls.map((u) => [u.url, u.views]);
      out.push(row);
    }
  }

  states(): Map<string, Uint8Array> {
    return new Map([["users", this.users.snapshot()], ["counts", this.counts.snapshot()]]);
  }

  destroy(): void {
    this.users.destroy();
    this.counts.destroy();
  }
}
