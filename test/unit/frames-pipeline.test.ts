import { describe, expect, it } from "vitest";
import { Dictionary } from "../../src/core/dictionary";
import type { TopicKind } from "../../src/core/events";
import { categoryOf, DEFAULT_CATALOG } from "../../src/core/catalog";
import { assembleFrame, columnsOfBatch, decodeFrame, encodeColumns, encodeDeltas, FLAG_RESET, FRAME_DICTS, FrameError } from "../../src/core/frames";
import { BatchBuilder, EventBatch, TOPIC_CLICKSTREAM } from "../../src/core/pipeline/batch";
import { referenceKernels } from "../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import { appendFrame, applyFrameDeltas, frameDictionarySizes, frameStartsOver } from "../../src/core/pipeline/frame-input";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { canonical, drive, records, validate } from "../helpers/pipeline";

/** A miniature gateway: gateway-wide dictionaries, one chunk per `chunk` records, frames with deltas since the client's marks. */
function* gatewayFrames(recs: ReturnType<typeof records>, chunk: number, marks: number[], epoch: number) {
  const dicts = Object.fromEntries(FRAME_DICTS.map((d) => [d, new Dictionary()])) as Record<(typeof FRAME_DICTS)[number], Dictionary>;
  // Pre-seed strings the client will never see referenced, so gateway ids differ from what a fresh pipeline would assign.
  dicts.users.encode("someone-else");
  dicts.streams.encode("other:7");
  const builder = new BatchBuilder(dicts, (p) => categoryOf(DEFAULT_CATALOG, p));
  const batch = new EventBatch(chunk);
  let seq = 0;
  for (let k = 0; k < recs.length; ) {
    batch.clear();
    let invalid = 0;
    for (; k < recs.length && !batch.full; k++) {
      const r = recs[k];
      const v = validate(r.kind as TopicKind, r.text);
      if (!v.ok) {
        invalid++;
        continue;
      }
      const i = builder.append(batch, r.kind as TopicKind, v.event, v.t, `${r.topic}:0`, 1000 + k);
      if (batch.topic[i] === TOPIC_CLICKSTREAM) batch.id[i] = "";
    }
    const deltas = FRAME_DICTS.map((d, j) => ({ dict: j, ...dicts[d].since(marks[j]) }));
    FRAME_DICTS.forEach((d, j) => (marks[j] = dicts[d].size));
    const body = encodeColumns(columnsOfBatch(batch), 0, batch.n, batch.id);
    yield assembleFrame({ flags: seq === 0 ? FLAG_RESET : 0, epoch, seq: seq++, dropped: 0, invalid, sentAt: 0 }, encodeDeltas(deltas), body);
  }
}

describe("frames into the pipeline (frame-input)", () => {
  it("a pipeline fed gateway frames gives exactly the rows of one fed the JSON", () => {
    const recs = records(20_000);
    const viaJson = drive(Pipeline.create({ kernels: referenceKernels(), capacity: 1000 }), recs, 1000);

    const p = Pipeline.create({ kernels: referenceKernels(), capacity: 1000 });
    const rows: OutputRow[] = [];
    let epoch: number | null = null;
    let invalid = 0;
    let readAtSeen = 0;
    for (const bytes of gatewayFrames(recs, 700, [0, 0, 0, 0, 0], 42)) {
      const f = decodeFrame(bytes);
      if (frameStartsOver(f, epoch)) {
        expect(epoch).toBeNull(); // only the first frame starts over here
        epoch = f.epoch;
      }
      invalid += f.invalid;
      applyFrameDeltas(p, f);
      for (let i = 0; i < f.n; ) {
        i = appendFrame(p, f, i);
        if (p.batch.full || i === f.n) {
          readAtSeen = Math.max(readAtSeen, p.batch.readAt[p.batch.n - 1]);
          rows.push(...p.process(0).rows, ...p.advance());
        }
      }
    }
    rows.push(...p.finish());
    expect(invalid).toBe(viaJson.invalid);
    expect(readAtSeen).toBeGreaterThan(1000); // Kafka timestamps land in readAt
    expect(viaJson.rows.length).toBeGreaterThan(500);
    expect(canonical(rows)).toEqual(canonical(viaJson.rows));
    expect(rows.some((r) => r.metric === "purchase_anomalies" && String(r.transaction_id).startsWith("tx-"))).toBe(true);
    expect(frameDictionarySizes(p)[0]).toBeGreaterThan(100);
  });

  it("a reconnecting client with marks receives only what it lacks, and resumes", () => {
    const recs = records(3000, { seed: 9 });
    const marks = [0, 0, 0, 0, 0];
    const frames = [...gatewayFrames(recs, 500, marks, 1)];
    const first = decodeFrame(frames[0]);
    const later = decodeFrame(frames[3]);
    const sizeOf = (f: typeof first) => f.deltas.reduce((n, d) => n + d.strings.length, 0);
    expect(sizeOf(first)).toBeGreaterThan(sizeOf(later));
    const p = Pipeline.create({ kernels: referenceKernels() });
    for (const b of frames) {
      const f = decodeFrame(b);
      applyFrameDeltas(p, f);
      appendFrame(p, f);
      p.process(0);
    }
    expect(frameDictionarySizes(p)).toEqual(marks);
  });

  it("rejects ids outside the dictionaries and delta gaps with FrameError, appending nothing", () => {
    const recs = records(200, { seed: 3 });
    const [bytes] = [...gatewayFrames(recs, 200, [0, 0, 0, 0, 0], 5)];
    const f = decodeFrame(bytes);
    const p = Pipeline.create({ kernels: referenceKernels() });
    expect(() => appendFrame(p, f)).toThrow(FrameError); // deltas not applied: every id is unknown
    expect(p.batch.n).toBe(0);
    const gap = { ...f, deltas: [{ dict: 0, start: 5, strings: ["x"] }] };
    expect(() => applyFrameDeltas(p, gap)).toThrow(/users.*past size/);
  });
});
