/**
 * The column body of a frame for one subscription: the live buffer's events of the topics a
 * client receives, encoded once per distinct subscription and flush (cached by mask key). Field
 * columns hold one value per event of their topic, so a topic a client does not receive simply
 * drops its columns; the others keep their values in the same order.
 */
import { type ColumnBody, columnsOfBatch, encodeColumns } from "../../core/frames";
import type { FieldValues } from "../../core/frames/field-batch";
import type { EventBatch } from "../../core/pipeline/batch";
import type { FrameBuffer, HubInputs } from "./hub-inputs";

/** The field columns of `buf` whose topics are in `mask` (by hub topic index), or null without user metrics. */
function fieldsFor(inputs: HubInputs, buf: FrameBuffer, mask: Uint8Array | null): FieldValues[] | null {
  if (!buf.fields) return null;
  if (!mask) return buf.fields.cols;
  const codes = new Set<number>();
  mask.forEach((on, k) => on && codes.add(inputs.code(k)));
  return buf.fields.cols.filter((c) => codes.has(c.field.code));
}

/** The body of a whole buffer (a client's own frames: history, own-frames.ts). */
export function wholeBody(inputs: HubInputs, buf: FrameBuffer, mask: Uint8Array | null): ColumnBody {
  const b = buf.batch;
  return encodeColumns(columnsOfBatch(b), 0, b.n, b.id, fieldsFor(inputs, buf, mask));
}

/** The body of `live` restricted to the topics in `mask` (`key` "*" = all), cached in `cache` by key. */
export function maskedBody(inputs: HubInputs, live: FrameBuffer, scratch: FrameBuffer, mask: Uint8Array, key: string, cache: Map<string, ColumnBody>): ColumnBody {
  let body = cache.get(key);
  if (body) return body;
  if (key === "*") body = wholeBody(inputs, live, null);
  else {
    const src = live.batch;
    const dst: EventBatch = scratch.batch;
    dst.clear();
    const streamTopic = inputs.streamTopic;
    for (let i = 0; i < src.n; i++) {
      if (!mask[streamTopic[src.stream[i]]]) continue;
      const j = dst.n++;
      dst.topic[j] = src.topic[i];
      dst.stream[j] = src.stream[i];
      dst.t[j] = src.t[i];
      dst.user[j] = src.user[i];
      dst.product[j] = src.product[i];
      dst.category[j] = src.category[i];
      dst.action[j] = src.action[i];
      dst.device[j] = src.device[i];
      dst.url[j] = src.url[i];
      dst.cents[j] = src.cents[i];
      dst.id[j] = src.id[i];
      dst.readAt[j] = src.readAt[i];
    }
    body = encodeColumns(columnsOfBatch(dst), 0, dst.n, dst.id, fieldsFor(inputs, live, mask));
  }
  cache.set(key, body);
  return body;
}
