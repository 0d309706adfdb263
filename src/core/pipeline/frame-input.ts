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
import { type EventFrame, FLAG_RESET, FRAME_DICTS, FrameError } from "../frames/format";
import { URL_NONE } from "./batch";
import type { Pipeline } from "./pipeline";

/**
 * True when the frame's ids do not continue the dictionaries the client holds (a new gateway
 * epoch, or FLAG_RESET): state built with the earlier ids must be dropped first.
 */
export function frameStartsOver(frame: EventFrame, knownEpoch: number | null): boolean {
  return (frame.flags & FLAG_RESET) !== 0 || frame.epoch !== knownEpoch;
}

/** Sizes of the pipeline's dictionaries in frame order, for the `hello` message. */
export function frameDictionarySizes(pipeline: Pipeline): number[] {
  return FRAME_DICTS.map((d) => pipeline.dictionary(d).size);
}

/** Applies the frame's dictionary deltas; a gap or a conflict throws a {@link FrameError}. */
export function applyFrameDeltas(pipeline: Pipeline, frame: EventFrame): void {
  for (const d of frame.deltas) {
    try {
      pipeline.dictionary(FRAME_DICTS[d.dict]).applyDelta({ start: d.start, strings: d.strings });
    } catch (err) {
      throw new FrameError(`dictionary ${FRAME_DICTS[d.dict]}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function checkIds(ids: Uint32Array, from: number, to: number, size: number, name: string, none = -1): void {
  for (let i = from; i < to; i++) {
    const v = ids[i];
    if (v >= size && v !== none) throw new FrameError(`event ${i}: ${name} id ${v} not in the dictionary (size ${size})`);
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
  checkIds(frame.user, from, to, pipeline.dictionary("users").size, "user");
  checkIds(frame.product, from, to, pipeline.dictionary("products").size, "product");
  checkIds(frame.category, from, to, pipeline.dictionary("categories").size, "category");
  checkIds(frame.stream, from, to, pipeline.dictionary("streams").size, "stream");
  checkIds(frame.url, from, to, pipeline.dictionary("urls").size, "url", URL_NONE);
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
  b.n += k;
  return to;
}
