// Placing an on-time event among its key's sessions, for both session kernels (session.ts,
// session-agg.ts; state in session-base-util.ts). Semantics: Spark's session_window, see
// src/core/reference/session.ts.
import { SessionBase, OPEN, DETACHED, ZOMBIE, hdr, newRec, relink } from "./session-base-util";
import { wheelLink } from "./session-wheel-util";

/**
 * Places on-time event (key u, time t, watermark wm before it) among its key's sessions, in
 * start order: a session already final at wm is detached (advance() emits it, as Spark has
 * evicted it); the first session the event's window [t, t + gap) overlaps takes it (start,
 * last and events updated). With none, the event opens a session, linked before the first one
 * starting after its window, whose index is returned NEGATED: its aggregates are the caller's
 * to set. After adding the event's aggregates to a session it took that has a later session,
 * the caller folds the sessions the event bridged into it with {@link foldBridged}.
 */
// @ts-ignore: decorator
@inline export function placeEvent(s: SessionBase, u: u32, t: f64, wm: f64): i32 {
  const gap = s.gap;
  const headP = s.heads + (<usize>u << 2);
  let prev = 0;
  let cur = load<i32>(headP);
  while (cur != 0) {
    const r = hdr(s, cur);
    const next = r.next;
    const end = r.last + gap;
    if (end <= wm) {
      relink(s, headP, prev, next);
      r.state = DETACHED;
      cur = next;
      continue;
    }
    if (r.start >= t + gap) break; // this and all later sessions start after the event's window
    if (t < end) {
      if (t < r.start) r.start = t;
      if (t > r.last) r.last = t;
      r.events++;
      return cur;
    }
    prev = cur;
    cur = next;
  }
  const ni = newRec(s);
  const r = hdr(s, ni);
  r.start = t;
  r.last = t;
  r.key = u;
  r.events = 1;
  r.state = OPEN;
  r.next = cur;
  relink(s, headP, prev, ni);
  wheelLink(s, ni, t + gap);
  return -ni;
}

/**
 * Folds into `target` (which took the event at t) every later session of its key that the
 * event's window overlaps, in start order: `fold(s, target, other)` adds the kernel's
 * aggregates (left to right, so a float sum is the target's + the event's + the next ones');
 * start, last and events are folded here. The folded sessions become zombies. Callers call it
 * only when `target` has a later session (a key usually has one): kept out of the per-event
 * path, that made both kernels measurably faster than inlining it.
 */
export function foldBridged(s: SessionBase, target: i32, t: f64, wm: f64, fold: (s: SessionBase, to: i32, from: i32) => void): void {
  const gap = s.gap;
  const headP = s.heads + (<usize>hdr(s, target).key << 2);
  let prev = target;
  let cur = hdr(s, target).next;
  while (cur != 0) {
    const r = hdr(s, cur);
    const next = r.next;
    const end = r.last + gap;
    if (end <= wm) {
      relink(s, headP, prev, next);
      r.state = DETACHED;
      cur = next;
      continue;
    }
    if (r.start >= t + gap) break;
    if (t < end) {
      const tg = hdr(s, target);
      if (r.last > tg.last) tg.last = r.last;
      if (r.start < tg.start) tg.start = r.start;
      tg.events += r.events;
      fold(s, target, cur);
      relink(s, headP, prev, next);
      r.state = ZOMBIE; // still in the wheel: freed when its slot comes
      s.live--;
      cur = next;
      continue;
    }
    prev = cur;
    cur = next;
  }
}
