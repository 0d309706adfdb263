// Emission of the session aggregate kernel (session-agg.ts): which sessions close and their
// (end, key) order are shared with the SPEC session kernel (session-wheel-util.ts); this file
// writes their rows.
import { recAt, hdr } from "./session-base-util";
import { queuedRec } from "./session-wheel-util";
import {
  SA, OUT_KEY, OUT_START, OUT_END, OUT_EVENTS, OUT_VALUE, OUT_DISTINCT, V_SUM, V_MIN, V_MAX,
  presentAt, valAt, disAt, col, ensureOut,
} from "./session-agg-state";
import { freeAggRec } from "./session-agg-events";
import { setSize } from "./session-agg-set";

/** Writes record i as output row `row`. min / max read NaN for a value column with no value. */
function emitRow(s: SA, row: i32, i: i32): void {
  const o4 = <usize>row << 2, o8 = <usize>row << 3;
  const p = recAt(s, i);
  const r = hdr(s, i);
  const outs = s.outs;
  store<u32>(col(outs, OUT_KEY) + o4, r.key);
  store<f64>(col(outs, OUT_START) + o8, r.start);
  store<f64>(col(outs, OUT_END) + o8, r.last + s.gap);
  store<u32>(col(outs, OUT_EVENTS) + o4, r.events);
  for (let j = 0; j < s.nValues; j++) {
    const v = valAt(s, p, j);
    const c = OUT_VALUE + 4 * j;
    const present = load<u32>(presentAt(p, j));
    store<u32>(col(outs, c) + o4, present);
    store<f64>(col(outs, c + 1) + o8, load<f64>(v, V_SUM));
    store<f64>(col(outs, c + 2) + o8, present ? load<f64>(v, V_MIN) : NaN);
    store<f64>(col(outs, c + 3) + o8, present ? load<f64>(v, V_MAX) : NaN);
  }
  for (let d = 0; d < s.nDistinct; d++) store<u32>(col(outs, OUT_DISTINCT + d) + o4, setSize(disAt(s, p, d)));
}

/** Writes the `rows` queued sessions (queueFinal / queueOpen) as rows; with `free`, frees their records. */
export function emitQueued(s: SA, rows: i32, free: bool): i32 {
  ensureOut(s, rows);
  for (let k = 0; k < rows; k++) {
    const i = queuedRec(s, k);
    emitRow(s, k, i);
    if (free) freeAggRec(s, i);
  }
  return rows;
}
