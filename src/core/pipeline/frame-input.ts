/**
 * Feeds decoded event frames (src/core/frames) to a {@link Pipeline}: the gateway's dictionary
 * deltas are applied to the pipeline's own dictionaries, so the frame's ids are the pipeline's
 * ids and the columns are copied into the batch with `TypedArray.set`, no per-event work beyond
 * a range check. The worker therefore must never `add()` JSON events to the same pipeline.
 *
 * Usage (the web worker):
 *   if (frameStartsOver(frame, epoch) && hasState) pipeline = fresh pipeline;
 *   applyFrameDeltas(pipeline, frame);
 *   for (let i = 0; i < frame.n; ) { i = appendFrame(pipeline, frame, i); if (pipeline.batch.full) pipeline.process(now); }
 */
import { DICT_VALUES, type EventFrame, FLAG_RESET, FRAME_DICTS, FrameError } from "../frames/format";
import { URL_NONE } from "./batch";
import { frameFieldInput } from "./frame-fields";
import type { Pipeline } from "./pipeline";

/** First topic code of a declared input: their events have no user, product or category. */
const FIRST_DECLARED = 3;

/**
 * True when the frame's ids do not continue the dictionaries the client holds (a new gateway
 * epoch, or FLAG_RESET): state built with the earlier ids must be dropped first.
 */
export function frameStartsOver(frame: EventFrame, knownEpoch: number | null): boolean {
  return (frame.flags & FLAG_RESET) !== 0 || frame.epoch !== knownEpoch;
}

/**
 * Sizes of the pipeline's dictionaries in frame order, for the `hello` message: the five of
 * version 1, and the gateway's `values` dictionary as far as it came when the pipeline runs
 * user-defined metrics (frame-fields.ts).
 */
export function frameDictionarySizes(pipeline: Pipeline): number[] {
  const sizes = FRAME_DICTS.map((d) => pipeline.dictionary(d).size);
  return pipeline.user.metrics.length ? [...sizes, frameFieldInput(pipeline).mirror.size] : sizes;
}

/** Applies the frame's dictionary deltas; a gap or a conflict throws a {@link FrameError}. */
export function applyFrameDeltas(pipeline: Pipeline, frame: EventFrame): void {
  for (const d of frame.deltas) {
    const name = d.dict === DICT_VALUES ? "values" : FRAME_DICTS[d.dict];
    try {
      if (d.dict === DICT_VALUES) frameFieldInput(pipeline).applyDelta({ start: d.start, strings: d.strings });
      else pipeline.dictionary(FRAME_DICTS[d.dict]).applyDelta({ start: d.start, strings: d.strings });
    } catch (err) {
      throw new FrameError(`dictionary ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** Checks ids of events `from .. to - 1`; with `topic`, only those of SPEC events (declared ones have none). */
function checkIds(ids: Uint32Array, from: number, to: number, size: number, name: string, topic: Uint8Array | null, none = -1): void {
  for (let i = from; i < to; i++) {
    const v = ids[i];
    if (v >= size && v !== none && (!topic || topic[i] < FIRST_DECLARED)) throw new FrameError(`event ${i}: ${name} id ${v} not in the dictionary (size ${size})`);
  }
}

/**
 * Appends events `from ..` of the frame to `pipeline.batch` until the frame or the batch ends;
 * returns the index of the first event not appended (`frame.n` when all are in). Call
 * {@link applyFrameDeltas} first. `readAt` of each event is its Kafka timestamp, as in the runner.
 * Ids outside the dictionaries throw a {@link FrameError} before anything is appended.
 */
export function appendFrame(pipeline: Pipeline, frame: EventFrame, from = 0): number {
  const b = pipeline.batch;
  const k = Math.min(frame.n - from, b.capacity - b.n);
  if (k <= 0) return from;
  const to = from + k;
  const topic = frame.topic;
  const codes = pipeline.inputs.length;
  for (let i = from; i < to; i++) if (topic[i] >= codes) throw new FrameError(`event ${i}: topic code ${topic[i]} is no input of these metrics`);
  checkIds(frame.user, from, to, pipeline.dictionary("users").size, "user", topic);
  checkIds(frame.product, from, to, pipeline.dictionary("products").size, "product", topic);
  checkIds(frame.category, from, to, pipeline.dictionary("categories").size, "category", topic);
  checkIds(frame.stream, from, to, pipeline.dictionary("streams").size, "stream", null);
  checkIds(frame.url, from, to, pipeline.dictionary("urls").size, "url", topic, URL_NONE);
  const fields = pipeline.user.metrics.length ? frameFieldInput(pipeline) : undefined;
  if (fields) fields.check(frame, from, to);
  else if (frame.fields.length) throw new FrameError("the frame carries field columns, but no user-defined metric runs here");
  const at = b.n;
  b.topic.set(frame.topic.subarray(from, to), at);
  b.stream.set(frame.stream.subarray(from, to), at);
  b.t.set(frame.t.subarray(from, to), at);
  b.user.set(frame.user.subarray(from, to), at);
  b.product.set(frame.product.subarray(from, to), at);
  b.category.set(frame.category.subarray(from, to), at);
  b.action.set(frame.action.subarray(from, to), at);
  b.device.set(frame.device.subarray(from, to), at);
  b.url.set(frame.url.subarray(from, to), at);
  b.cents.set(frame.cents.subarray(from, to), at);
  b.readAt.set(frame.kafkaTs.subarray(from, to), at);
  const ids = frame.ids;
  for (let i = 0; i < k; i++) b.id[at + i] = ids ? ids[from + i] : "";
  fields?.fill(frame, from, to, at);
  b.n += k;
  return to;
}
