/**
 * Version-2 event frames (docs/frames.md): field columns of declared-input and SPEC fields round
 * trip exactly (any topic mix, any slice of the batch), every malformed field section is refused
 * with a FrameError naming it, frame-input refuses columns that do not fit the metrics, and a
 * declared string over the id bound never reaches a frame.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_ID_BYTES } from "../../src/core/event-limits";
import {
  BOOL_NONE,
  decodeFrame,
  encodeColumns,
  encodeDeltas,
  encodeFrame,
  assembleFrame,
  FIELD_BOOLEAN,
  FIELD_NUMBER,
  FIELD_STRING,
  type FrameColumns,
  FrameError,
  FRAME_VERSION,
  FRAME_VERSION_FIELDS,
  HEADER_BYTES,
  STRING_NONE,
} from "../../src/core/frames";
import type { FieldValues } from "../../src/core/frames/field-batch";
import { frameFields } from "../../src/core/frames/fields";
import { fieldRef } from "../../src/core/metrics/user/spec-inputs";
import { validateDeclared } from "../../src/core/metrics/user/validate-event";
import { appendFrame, applyFrameDeltas } from "../../src/core/pipeline/frame-input";
import { referenceKernels } from "../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import { testMetrics } from "../helpers/user-frames";

const HEADER = { flags: 0, epoch: 1, seq: 0, dropped: 0, invalid: 0, sentAt: 0 };

/** Columns of n events with the given topic codes (other columns plain and valid). */
function columns(topic: number[]): FrameColumns {
  const n = topic.length;
  return {
    topic: Uint8Array.from(topic), action: new Uint8Array(n).fill(255), device: new Uint8Array(n).fill(3),
    stream: new Uint32Array(n), user: new Uint32Array(n), product: new Uint32Array(n), category: new Uint32Array(n), url: new Uint32Array(n).fill(STRING_NONE),
    t: new Float64Array(n).fill(1e12), kafkaTs: new Float64Array(n).fill(1e12), cents: new Float64Array(n),
  };
}

type Kind = "string" | "number" | "boolean";
const valueArb = (k: Kind) =>
  k === "string" ? fc.oneof(fc.nat({ max: 5000 }), fc.constant(STRING_NONE)) : k === "number" ? fc.oneof(fc.double({ noDefaultInfinity: true }), fc.constant(NaN)) : fc.constantFrom(0, 1, BOOL_NONE);

/** A field column of topic `code` holding `m` values. */
function column(index: number, code: number, kind: Kind, values: number[]): FieldValues {
  const field = { index, code, input: `in${code}`, field: fieldRef(`f${index}`, kind) };
  return kind === "string" ? { field, n: values.length, str: Uint32Array.from(values) } : kind === "number" ? { field, n: values.length, num: Float64Array.from(values) } : { field, n: values.length, bool: Uint8Array.from(values) };
}

const frameArb = fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 120 }).chain((topic) =>
  fc
    .array(fc.record({ code: fc.integer({ min: 0, max: 7 }), kind: fc.constantFrom<Kind>("string", "number", "boolean") }), { maxLength: 6 })
    .chain((specs) =>
      fc.tuple(
        fc.constant(topic),
        fc.tuple(...specs.map((s, i) => fc.array(valueArb(s.kind), { minLength: topic.filter((c) => c === s.code).length, maxLength: topic.filter((c) => c === s.code).length }).map((v) => column(i, s.code, s.kind, v)))),
        fc.integer({ min: 0, max: topic.length }),
      ),
    ),
);

describe("version-2 frames: field columns", () => {
  it("round-trip: each column comes back with one value per event of its topic, for any slice of the batch", () => {
    fc.assert(
      fc.property(frameArb, ([topic, cols, from]) => {
        const n = topic.length - from;
        const f = decodeFrame(assembleFrame(HEADER, encodeDeltas([{ dict: 5, start: 0, strings: ["a", "b"] }]), encodeColumns(columns(topic), from, n, null, cols)));
        expect(f.version).toBe(FRAME_VERSION_FIELDS);
        expect(f.deltas).toEqual([{ dict: 5, start: 0, strings: ["a", "b"] }]);
        expect(Array.from(f.topic)).toEqual(topic.slice(from));
        expect(f.fields.map((c) => [c.field, c.topic, c.type])).toEqual(cols.map((c) => [c.field.index, c.field.code, c.str ? FIELD_STRING : c.num ? FIELD_NUMBER : FIELD_BOOLEAN]));
        cols.forEach((c, k) => {
          const skip = topic.slice(0, from).filter((t) => t === c.field.code).length;
          const all = Array.from(c.str ?? c.num ?? c.bool!);
          expect(Array.from(f.fields[k].values)).toEqual(all.slice(skip, skip + topic.slice(from).filter((t) => t === c.field.code).length));
        });
      }),
      { numRuns: 300 },
    );
  });

  it("a frame without field columns stays version 1, byte for byte", () => {
    const cols = columns([0, 1, 2]);
    const v1 = encodeFrame(HEADER, [], cols, 3, null);
    expect(decodeFrame(v1).version).toBe(FRAME_VERSION);
    expect(decodeFrame(v1).fields).toEqual([]);
    expect(decodeFrame(encodeFrame(HEADER, [], cols, 3, null, [])).version).toBe(FRAME_VERSION_FIELDS);
    expect(() => encodeFrame(HEADER, [{ dict: 5, start: 0, strings: ["x"] }], cols, 3, null)).toThrow(/version-2/);
  });

  it("refuses malformed field sections and version-2 features in version 1, naming them", () => {
    const topic = [3, 0, 3];
    const good = () => encodeFrame(HEADER, [], columns(topic), 3, null, [column(0, 3, "number", [1.5, NaN]), column(1, 3, "boolean", [1, BOOL_NONE]), column(2, 0, "string", [7])]);
    const bytes = good();
    const desc = bytes.length - (16 + 16 + 8 + 8); // descriptors (3 × 4, padded), then number (16), boolean (8), string (8) columns
    const edit = (off: number, f: (dv: DataView) => void) => {
      const b = good();
      f(new DataView(b.buffer, off));
      return b;
    };
    expect(decodeFrame(bytes).fields.map((c) => Array.from(c.values))).toEqual([[1.5, NaN], [1, BOOL_NONE], [7]]);
    expect(() => decodeFrame(edit(desc + 1, (d) => d.setUint8(0, 9)))).toThrow(/unknown type 9/);
    expect(() => decodeFrame(edit(desc, (d) => d.setUint8(0, 64)))).toThrow(/unknown topic code 64/);
    expect(() => decodeFrame(edit(desc + 6, (d) => d.setUint16(0, 0, true)))).toThrow(/field 0 has two columns/);
    expect(() => decodeFrame(edit(desc + 16, (d) => d.setFloat64(0, Infinity, true)))).toThrow(/infinite/);
    expect(() => decodeFrame(edit(desc + 32, (d) => d.setUint8(0, 7)))).toThrow(/not a boolean code/);
    expect(() => decodeFrame(bytes.slice(0, bytes.length - 8))).toThrow(/truncated in the field columns/);
    expect(() => decodeFrame(edit(30, (d) => d.setUint16(0, 200, true)))).toThrow(/truncated in the field descriptors/);
    // Version 1 knows no topic code 3 and no dictionary 5, and ignores the field count.
    expect(() => decodeFrame(edit(4, (d) => d.setUint8(0, 1)))).toThrow(/unknown topic code 3|trailing/);
    const v1 = encodeFrame(HEADER, [{ dict: 4, start: 0, strings: ["s"] }], columns([0]), 1, null);
    new DataView(v1.buffer).setUint8(HEADER_BYTES, 5);
    expect(() => decodeFrame(v1)).toThrow(/unknown dictionary 5/);
    expect(() => decodeFrame(v1)).toThrow(FrameError);
  });
});

describe("version-2 frames into the pipeline (frame-fields.ts)", () => {
  const { user } = testMetrics();
  const fields = frameFields(user);
  const reviews = fields.filter((f) => f.input === "reviews");

  it("numbers the carried fields: the declared input's used fields, SPEC fields only those version 1 never sent", () => {
    expect(reviews.map((f) => f.field.path).sort()).toEqual(["product_id", "rating", "review_id", "user.country", "user.id", "verified"]);
    expect(new Set(reviews.map((f) => f.code))).toEqual(new Set([3]));
    const spec = fields.filter((f) => f.input !== "reviews").map((f) => `${f.input}.${f.field.path}`).sort();
    expect(spec).toEqual(["clickstream.browser", "clickstream.event_id", "clickstream.session_id", "transactions.currency"]);
    expect(fields.map((f) => f.index)).toEqual(fields.map((_, i) => i));
  });

  it("refuses columns that do not fit the metrics, unknown value ids, unknown topic codes and missing columns, appending nothing", () => {
    const p = Pipeline.create({ kernels: referenceKernels(), user });
    const rating = reviews.find((f) => f.field.path === "rating")!;
    const country = reviews.find((f) => f.field.path === "user.country")!;
    const all = (topic: number[], override: (c: FieldValues) => FieldValues = (c) => c) =>
      reviews.map((f) => override(column(f.index, 3, f.field.type, topic.filter((t) => t === 3).map(() => (f.field.type === "string" ? STRING_NONE : f.field.type === "number" ? 4 : 1)))));
    const frame = (topic: number[], cols: FieldValues[]) => {
      const f = decodeFrame(encodeFrame(HEADER, [{ dict: 4, start: 0, strings: ["reviews:0"] }], columns(topic), topic.length, null, cols));
      applyFrameDeltas(p, f);
      return f;
    };
    expect(appendFrame(p, frame([3, 3], all([3, 3])))).toBe(2);
    p.batch.clear();
    const wrongType = all([3], (c) => (c.field.index === rating.index ? column(rating.index, 3, "string", [STRING_NONE]) : c));
    expect(() => appendFrame(p, frame([3], wrongType))).toThrow(/not one these metrics read/);
    const unknownId = all([3], (c) => (c.field.index === country.index ? column(country.index, 3, "string", [0]) : c));
    expect(() => appendFrame(p, frame([3], unknownId))).toThrow(/value id 0 not in the dictionary/);
    expect(() => appendFrame(p, frame([3], all([3]).filter((c) => c.field.index !== rating.index)))).toThrow(/no column for its field 'rating'/);
    expect(() => appendFrame(p, frame([4], []))).toThrow(/topic code 4 is no input/);
    expect(p.batch.n).toBe(0);
    // A pipeline without user metrics refuses field columns rather than ignoring them.
    const plain = Pipeline.create({ kernels: referenceKernels() });
    const known = [0, 1, 2, 4].map((dict) => ({ dict, start: 0, strings: ["s"] }));
    const f = decodeFrame(encodeFrame(HEADER, known, columns([0]), 1, null, [column(0, 0, "number", [1])]));
    applyFrameDeltas(plain, f);
    expect(() => appendFrame(plain, f)).toThrow(/no user-defined metric runs here/);
  });

  it("declared strings are bounded like ids: over 256 bytes of UTF-8 the message is invalid, required field or not", () => {
    const def = user.inputs[0];
    const msg = (country: string, id = "u-1") => JSON.stringify({ review_id: "r", product_id: "p", rating: 4, created_at: 0, user: { id, country } });
    expect(validateDeclared(def, msg("é".repeat(MAX_ID_BYTES / 2))).ok).toBe(true);
    const long = validateDeclared(def, msg("é".repeat(MAX_ID_BYTES / 2 + 1)));
    expect(long.ok).toBe(false);
    expect(!long.ok && long.reason).toBe(`field 'user.country' is longer than ${MAX_ID_BYTES} bytes of UTF-8 (${MAX_ID_BYTES + 2} bytes)`);
    const longId = validateDeclared(def, msg("de", "x".repeat(10_000)));
    expect(!longId.ok && longId.reason).toMatch(/field 'user.id' is longer than 256 bytes of UTF-8 \(10000 characters\)/);
    // A value of another type is only missing, whatever its size.
    expect(validateDeclared(def, JSON.stringify({ review_id: "r", product_id: "p", rating: 4, created_at: 0, verified: "y".repeat(1000) })).ok).toBe(true);
  });
});
