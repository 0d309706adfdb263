/**
 * Frames for one client alone (a history replay, history.ts): the live stream skips a client
 * while it replays, so its history goes out through here, encoded with the hub's dictionaries
 * (the client's dictionary marks move on as with live frames).
 */
import { assembleFrame, FLAG_RESET } from "../../core/frames";
import type { Connection } from "./connection";
import { wholeBody } from "./frame-body";
import type { Hub, InputMessage } from "./hub";

function sendFrame(hub: Hub, c: Connection, invalid: number): void {
  const body = wholeBody(hub.inputs, hub.own, c.mask);
  const frame = assembleFrame({ flags: c.reset ? FLAG_RESET : 0, epoch: hub.epoch, seq: c.seq++, dropped: 0, invalid, sentAt: hub.now() }, hub.deltasSince(c.marks), body);
  c.socket.send(frame);
  hub.metrics?.frames.inc();
  hub.metrics?.frameBytes.inc({}, frame.length);
  hub.metrics?.frameEvents.inc({}, body.n);
  c.marks = hub.dictionarySizes();
  c.reset = false;
}

/**
 * Sends `msgs` to `c` alone, now, as event frames, in their order. Messages of topics it does
 * not receive are left out, invalid ones counted in the frame header. Returns the events sent.
 */
export function sendOwn(hub: Hub, c: Connection, msgs: InputMessage[]): number {
  const buf = hub.own;
  buf.clear();
  let invalid = 0;
  let sent = 0;
  for (const m of msgs) {
    const k = hub.topicNo(m.topic);
    if (k === undefined || !c.mask[k]) continue;
    // The same validation as live frames, the allowed future skew included: one far-future event in
    // a replayed range would otherwise carry the console's event time past every real one.
    const v = hub.inputs.accept(k, m.value);
    if (!v.ok) {
      invalid++;
      continue;
    }
    hub.inputs.append(buf, k, v.event, v.t, m);
    sent++;
    if (buf.full) {
      sendFrame(hub, c, invalid);
      invalid = 0;
      buf.clear();
    }
  }
  if (buf.batch.n > 0 || invalid > 0) sendFrame(hub, c, invalid);
  buf.clear();
  return sent;
}
