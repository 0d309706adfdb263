/**
 * Encoder of event frames (layout in docs/frames.md). The gateway encodes the column body of a
 * batch once per subscription and prepends a per-client header and dictionary deltas, so a
 * fan-out to many clients costs one copy per client, not one encoding.
 */
import type { FieldValues } from "./field-batch";
import { fieldColumnType } from "./fields";
import {
  DELTA_HEADER_BYTES,
  FIELD_BOOLEAN,
  FIELD_NUMBER,
  FLAG_IDS,
  FRAME_DICTS_V2,
  FRAME_KIND_EVENTS,
  FRAME_MAGIC,
  FRAME_VERSION,
  FRAME_VERSION_FIELDS,
  type FrameColumns,
  type FrameDelta,
  type FrameHeader,
  HEADER_BYTES,
  MAX_FRAME_EVENTS,
  MAX_STRING_BYTES,
  pad8,
} from "./format";

/** An encoded column section: `n` events, with or without the id column (and, version 2, field columns). */
export interface ColumnBody {
  n: number;
  hasIds: boolean;
  bytes: Uint8Array;
  /** Frame version the body needs: 2 when it was encoded with field columns (even none). */
  version: number;
  /** Field columns in the body (version 2). */
  fieldCount: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
let utf8: TextEncoder | undefined;

function encoder(): TextEncoder {
  return (utf8 ??= new TextEncoder());
}

/** Byte size of the column section for `n` events (without the id bytes). */
export function columnBytes(n: number, hasIds: boolean): number {
  return 3 * 8 * n + 5 * pad8(4 * n) + 3 * pad8(n) + (hasIds ? pad8(2 * n) : 0);
}

/**
 * Encodes events `from .. from + n - 1` of `cols` as a column section. `ids` (indexed like the
 * columns; "" = not sent) adds the id column; pass null to leave it out. `fields` (version 2)
 * adds these field columns, each holding values for the events of its topic code in `cols` from
 * index 0 on; pass null for a version-1 body.
 */
export function encodeColumns(cols: FrameColumns, from: number, n: number, ids: readonly string[] | null, fields: readonly FieldValues[] | null = null): ColumnBody {
  if (!LITTLE_ENDIAN) throw new Error("event frames need a little-endian platform");
  if (n < 0 || n > MAX_FRAME_EVENTS) throw new RangeError(`a frame holds 0..${MAX_FRAME_EVENTS} events, got ${n}`);
  let idParts: Uint8Array[] | null = null;
  let idTotal = 0;
  if (ids) {
    idParts = new Array<Uint8Array>(n);
    for (let i = 0; i < n; i++) {
      const s = ids[from + i] ?? "";
      const b = s === "" ? EMPTY : encoder().encode(s);
      if (b.length > MAX_STRING_BYTES) throw new RangeError(`id longer than ${MAX_STRING_BYTES} bytes`);
      idParts[i] = b;
      idTotal += b.length;
    }
  }
  const fixed = columnBytes(n, ids !== null);
  const section = fields ? fieldSection(cols, from, n, fields) : null;
  const bytes = new Uint8Array(fixed + pad8(idTotal) + (section?.size ?? 0));
  let pos = 0;
  const f64 = (src: Float64Array) => {
    new Float64Array(bytes.buffer, pos, n).set(src.subarray(from, from + n));
    pos += 8 * n;
  };
  const u32 = (src: Uint32Array) => {
    new Uint32Array(bytes.buffer, pos, n).set(src.subarray(from, from + n));
    pos += pad8(4 * n);
  };
  const u8 = (src: Uint8Array) => {
    bytes.set(src.subarray(from, from + n), pos);
    pos += pad8(n);
  };
  f64(cols.t);
  f64(cols.kafkaTs);
  f64(cols.cents);
  u32(cols.stream);
  u32(cols.user);
  u32(cols.product);
  u32(cols.category);
  u32(cols.url);
  u8(cols.topic);
  u8(cols.action);
  u8(cols.device);
  if (idParts) {
    const lens = new Uint16Array(bytes.buffer, pos, n);
    for (let i = 0; i < n; i++) lens[i] = idParts[i].length;
    pos += pad8(2 * n);
    for (const p of idParts) {
      bytes.set(p, pos);
      pos += p.length;
    }
    pos = pad8(pos);
  }
  if (section) section.write(bytes, pos);
  return { n, hasIds: ids !== null, bytes, version: fields ? FRAME_VERSION_FIELDS : FRAME_VERSION, fieldCount: fields?.length ?? 0 };
}

/**
 * The field section of events `from .. from + n - 1`: descriptors (u8 topic, u8 type, u16 field
 * number each), then per column the values of those events of its topic.
 */
function fieldSection(cols: FrameColumns, from: number, n: number, fields: readonly FieldValues[]): { size: number; write(out: Uint8Array, at: number): void } {
  if (fields.length > 0xffff) throw new RangeError("too many field columns");
  const ranges = fields.map((f) => {
    let skip = 0;
    let count = 0;
    for (let i = 0; i < from; i++) if (cols.topic[i] === f.field.code) skip++;
    for (let i = from; i < from + n; i++) if (cols.topic[i] === f.field.code) count++;
    if (skip + count > f.n) throw new RangeError(`field column ${f.field.input}.${f.field.field.path} holds ${f.n} values, the events need ${skip + count}`);
    return { skip, count };
  });
  const sizeOf = (f: FieldValues, m: number) => (f.str ? pad8(4 * m) : f.num ? 8 * m : pad8(m));
  let size = pad8(4 * fields.length);
  fields.forEach((f, k) => (size += sizeOf(f, ranges[k].count)));
  return {
    size,
    write(out, at) {
      const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
      fields.forEach((f, k) => {
        dv.setUint8(at + 4 * k, f.field.code);
        dv.setUint8(at + 4 * k + 1, fieldColumnType(f.field.field.type));
        dv.setUint16(at + 4 * k + 2, f.field.index, true);
      });
      let pos = at + pad8(4 * fields.length);
      fields.forEach((f, k) => {
        const { skip, count } = ranges[k];
        if (f.str) new Uint32Array(out.buffer, out.byteOffset + pos, count).set(f.str.subarray(skip, skip + count));
        else if (f.num) new Float64Array(out.buffer, out.byteOffset + pos, count).set(f.num.subarray(skip, skip + count));
        else out.set(f.bool!.subarray(skip, skip + count), pos);
        pos += sizeOf(f, count);
      });
    },
  };
}

const EMPTY = new Uint8Array(0);

/** Encodes dictionary deltas as the frame's delta section (blocks with no strings are skipped). */
export function encodeDeltas(deltas: readonly FrameDelta[]): { count: number; bytes: Uint8Array } {
  const blocks: { d: FrameDelta; parts: Uint8Array[]; size: number }[] = [];
  let total = 0;
  for (const d of deltas) {
    if (d.strings.length === 0) continue;
    if (!(d.dict >= 0 && d.dict < FRAME_DICTS_V2.length)) throw new RangeError(`unknown dictionary ${d.dict}`);
    const parts = d.strings.map((s) => encoder().encode(s));
    let strBytes = 0;
    for (const p of parts) {
      if (p.length > MAX_STRING_BYTES) throw new RangeError(`dictionary string longer than ${MAX_STRING_BYTES} bytes`);
      strBytes += p.length;
    }
    const size = pad8(DELTA_HEADER_BYTES + 4 * parts.length + strBytes);
    blocks.push({ d, parts, size });
    total += size;
  }
  if (blocks.length > 0xffff) throw new RangeError("too many delta blocks");
  const bytes = new Uint8Array(total);
  const dv = new DataView(bytes.buffer);
  let pos = 0;
  for (const { d, parts, size } of blocks) {
    let strBytes = 0;
    for (const p of parts) strBytes += p.length;
    dv.setUint8(pos, d.dict);
    dv.setUint32(pos + 4, d.start, true);
    dv.setUint32(pos + 8, parts.length, true);
    dv.setUint32(pos + 12, strBytes, true);
    let q = pos + DELTA_HEADER_BYTES;
    for (const p of parts) {
      dv.setUint32(q, p.length, true);
      q += 4;
    }
    for (const p of parts) {
      bytes.set(p, q);
      q += p.length;
    }
    pos += size;
  }
  return { count: blocks.length, bytes };
}

/** Writes the 40-byte header into `out` at 0. */
function writeHeader(out: Uint8Array, h: FrameHeader, body: ColumnBody, flags: number, deltaCount: number): void {
  const dv = new DataView(out.buffer, out.byteOffset, HEADER_BYTES);
  const n = body.n;
  dv.setUint32(0, FRAME_MAGIC, true);
  dv.setUint8(4, body.version);
  dv.setUint8(5, FRAME_KIND_EVENTS);
  dv.setUint16(6, flags, true);
  dv.setUint32(8, h.epoch >>> 0, true);
  dv.setUint32(12, h.seq >>> 0, true);
  dv.setUint32(16, n, true);
  dv.setUint32(20, Math.min(h.dropped, 0xffffffff), true);
  dv.setUint32(24, Math.min(h.invalid, 0xffffffff), true);
  dv.setUint16(28, deltaCount, true);
  dv.setUint16(30, body.fieldCount, true);
  dv.setFloat64(32, h.sentAt, true);
}

/**
 * A whole frame: header, the delta section (from {@link encodeDeltas}) and a column body
 * (from {@link encodeColumns}). FLAG_IDS is set from the body; other flags come from `header`.
 */
export function assembleFrame(header: FrameHeader, deltas: { count: number; bytes: Uint8Array }, body: ColumnBody): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + deltas.bytes.length + body.bytes.length);
  const flags = (header.flags & ~FLAG_IDS) | (body.hasIds ? FLAG_IDS : 0);
  writeHeader(out, header, body, flags, deltas.count);
  out.set(deltas.bytes, HEADER_BYTES);
  out.set(body.bytes, HEADER_BYTES + deltas.bytes.length);
  return out;
}

/** Convenience for tests and one-off frames: encodes everything in one call. */
export function encodeFrame(
  header: FrameHeader,
  deltas: readonly FrameDelta[],
  cols: FrameColumns,
  n: number,
  ids: readonly string[] | null,
  fields: readonly FieldValues[] | null = null,
): Uint8Array {
  const body = encodeColumns(cols, 0, n, ids, fields);
  if (body.version === FRAME_VERSION && deltas.some((d) => d.dict >= 5 && d.strings.length > 0)) throw new RangeError("dictionary 5 (values) needs a version-2 frame");
  return assembleFrame(header, encodeDeltas(deltas), body);
}
