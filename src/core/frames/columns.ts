/**
 * The gateway side of the columns: a frame's columns are an {@link EventBatch} filled by the
 * pipeline's own {@link BatchBuilder} with the gateway's dictionaries, so the encoding of every
 * field (codes, category fallback, cents) is the runner's by construction.
 */
import type { EventBatch } from "../pipeline/batch";
import type { FrameColumns } from "./format";

/** The frame columns of a batch whose `readAt` holds Kafka message timestamps (no copy). */
export function columnsOfBatch(batch: EventBatch): FrameColumns {
  return {
    topic: batch.topic,
    action: batch.action,
    device: batch.device,
    stream: batch.stream,
    user: batch.user,
    product: batch.product,
    category: batch.category,
    url: batch.url,
    t: batch.t,
    kafkaTs: batch.readAt,
    cents: batch.cents,
  };
}
