/**
 * Builds event frames from generator records the way the gateway does (valid events only,
 * dictionary deltas since the previous frame, Kafka timestamps), using a pipeline's batch
 * builder as the encoder. For Node tests of the console worker's engine and the console bench.
 */
import type { TopicKind } from "../../../src/core/events";
import { validate } from "../../helpers/pipeline";
import { encodeFrame } from "../../../src/core/frames/encode";
import { FLAG_RESET, FRAME_DICTS, type FrameDelta } from "../../../src/core/frames/format";
import { referenceKernels } from "../../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../../src/core/pipeline/pipeline";
import type { GeneratedRecord } from "../../../src/server/generator";

/** Encodes records into frames of up to `perFrame` valid events. */
export class FrameBuilder {
  private readonly enc = Pipeline.create({ kernels: referenceKernels(), capacity: 65_536 });
  private readonly marks = FRAME_DICTS.map(() => 0);
  private seq = 0;

  constructor(readonly epoch = 0x1234abcd) {}

  /** One frame of the valid events among `recs`, stamped with Kafka timestamp `kafkaTs(i)`. */
  frame(recs: GeneratedRecord[], kafkaTs: (i: number) => number = () => Date.now(), sentAt = Date.now()): Uint8Array {
    const p = this.enc;
    let invalid = 0;
    recs.forEach((r, i) => {
      const v = validate(r.kind as TopicKind, r.text);
      if (!v.ok) {
        invalid++;
        return;
      }
      if (p.add(r.kind as TopicKind, v.event, v.t, `${r.topic}:0`, kafkaTs(i)) < 0) throw new Error("frame over 65,536 events");
    });
    const deltas: FrameDelta[] = [];
    FRAME_DICTS.forEach((name, d) => {
      const dict = p.dictionary(name);
      const delta = dict.since(this.marks[d]);
      if (delta.strings.length) deltas.push({ dict: d, start: delta.start, strings: delta.strings });
      this.marks[d] = dict.size;
    });
    const b = p.batch;
    const n = b.n;
    const ids = b.id.slice(0, n).map((id, i) => (b.topic[i] === 0 ? "" : id));
    const bytes = encodeFrame(
      { flags: this.seq === 0 ? FLAG_RESET : 0, epoch: this.epoch, seq: this.seq++, dropped: 0, invalid, sentAt },
      deltas,
      { topic: b.topic, action: b.action, device: b.device, stream: b.stream, user: b.user, product: b.product, category: b.category, url: b.url, t: b.t, kafkaTs: b.readAt, cents: b.cents },
      n,
      ids,
    );
    b.clear();
    return bytes;
  }
}
