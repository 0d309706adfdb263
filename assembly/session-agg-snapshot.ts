// Snapshot payload of the session aggregate kernel (header and format version: layout.ts,
// session-agg.ts). Config first (gap f64, nValues, nDistinct, batchCap, keyHi, live: i32),
// then the `live` sessions: the open ones key by key (ascending) in start order, then the
// detached ones (final, awaiting advance). A session is
//   key u32 | start f64 | last f64 | events u32 | state u32 |
//   per value column: present u32 | sum f64 | min f64 | max f64 |
//   per distinct column: n u32 | n ids u32
import { wF64, wI32, wU32, rF64, rU32, rFailed } from "./bytes-util";
import { SessionBase, OPEN, DETACHED, hdr, recAt, newRec, relink, forEachLive } from "./session-base-util";
import { wheelLink } from "./session-wheel-util";
import { SA, V_SUM, V_MIN, V_MAX, presentAt, valAt, disAt } from "./session-agg-state";
import { initAggs } from "./session-agg-events";
import { MISSING, setAdd, setCap, setSize, setSlot } from "./session-agg-set";

function writeRec(b: SessionBase, i: i32): void {
  const s = changetype<SA>(changetype<usize>(b));
  const r = hdr(s, i), p = recAt(s, i);
  wU32(r.key);
  wF64(r.start);
  wF64(r.last);
  wU32(r.events);
  wU32(r.state);
  for (let j = 0; j < s.nValues; j++) {
    const v = valAt(s, p, j);
    wU32(load<u32>(presentAt(p, j)));
    wF64(load<f64>(v, V_SUM));
    wF64(load<f64>(v, V_MIN));
    wF64(load<f64>(v, V_MAX));
  }
  for (let d = 0; d < s.nDistinct; d++) {
    const e = disAt(s, p, d);
    wI32(setSize(e));
    const cap = setCap(e);
    for (let k = 0; k < cap; k++) {
      const x = setSlot(e, k);
      if (x) wU32(x - 1);
    }
  }
}

/** Writes the sessions of `s` (after the config). */
export function writeSessions(s: SA): void {
  forEachLive(s, writeRec);
}

/**
 * Reads `live` sessions into the fresh instance `s` (keys below keyHi addressable). Returns
 * false on anything a snapshot written by writeSessions cannot hold.
 */
export function readSessions(s: SA, live: i32): bool {
  let tail = 0; // last open record of the current key (an index: the slab may move)
  let tailKey: i64 = -1;
  let tailStart = -Infinity;
  for (let k = 0; k < live; k++) {
    const key = rU32();
    const start = rF64(), last = rF64(), events = rU32(), state = rU32();
    if (rFailed() || key >= <u32>s.keyHi || !(start <= last) || events == 0 || (state != OPEN && state != DETACHED)) return false;
    const i = newRec(s);
    const p = recAt(s, i);
    const r = hdr(s, i);
    r.key = key;
    r.start = start;
    r.last = last;
    r.events = events;
    r.state = state;
    r.next = 0;
    initAggs(s, p);
    for (let j = 0; j < s.nValues; j++) {
      const v = valAt(s, p, j);
      store<u32>(presentAt(p, j), rU32());
      store<f64>(v, rF64(), V_SUM);
      store<f64>(v, rF64(), V_MIN);
      store<f64>(v, rF64(), V_MAX);
    }
    for (let d = 0; d < s.nDistinct; d++) {
      const n = rU32();
      if (rFailed() || n > events) return false;
      const e = disAt(s, p, d);
      for (let q: u32 = 0; q < n; q++) {
        const id = rU32();
        if (rFailed() || id == MISSING) return false;
        setAdd(s, e, id);
      }
      if (<u32>setSize(e) != n) return false;
    }
    if (state == OPEN) {
      // open sessions come key by key, in start order: append to the key's list
      if (<i64>key < tailKey || (<i64>key == tailKey && !(start > tailStart))) return false;
      if (<i64>key != tailKey) tail = 0;
      tailKey = key;
      tailStart = start;
      relink(s, s.heads + (<usize>key << 2), tail, i);
      tail = i;
    }
    wheelLink(s, i, last + s.gap);
  }
  return !rFailed();
}
