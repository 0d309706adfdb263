/**
 * Encoder of event frames (layout in docs/frames.md). The gateway encodes the column body of a
 * batch once per subscription and prepends a per-client header and dictionary deltas, so a
 * fan-out to many clients costs one copy per client, not one encoding.
 */
import {
  DELTA_HEADER_BYTES,
  FLAG_IDS,
  FRAME_DICTS,
  FRAME_KIND_EVENTS,
  FRAME_MAGIC,
  FRAME_VERSION,
  type FrameColumns,
  type FrameDelta,
  type FrameHeader,
  HEADER_BYTES,
  MAX_FRAME_EVENTS,
  MAX_STRING_BYTES,
  pad8,
} from "./format";

/** An encoded column section: `n` events, with or without the id column. */
export interface ColumnBody {
  n: number;
  hasIds: boolean;
  bytes: Uint8Array;
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
 * columns; "" = not sent) adds the id column; pass null to leave it out.
 */
export function encodeColumns(cols: FrameColumns, from: number, n: number, ids: readonly string[] | null): ColumnBody {
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
  const bytes = new Uint8Array(fixed + pad8(idTotal));
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
  }
  return { n, hasIds: ids !== null, bytes };
}

const EMPTY = new Uint8Array(0);

/** Encodes dictionary deltas as the frame's delta section (blocks with no strings are skipped). */
export function encodeDeltas(deltas: readonly FrameDelta[]): { count: number; bytes: Uint8Array } {
  const blocks: { d: FrameDelta; parts: Uint8Array[]; size: number }[] = [];
  let total = 0;
  for (const d of deltas) {
    if (d.strings.length === 0) continue;
    if (!(d.dict >= 0 && d.dict < FRAME_DICTS.length)) throw new RangeError(`unknown dictionary ${d.dict}`);
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
function writeHeader(out: Uint8Array, h: FrameHeader, n: number, flags: number, deltaCount: number): void {
  const dv = new DataView(out.buffer, out.byteOffset, HEADER_BYTES);
  dv.setUint32(0, FRAME_MAGIC, true);
  dv.setUint8(4, FRAME_VERSION);
  dv.setUint8(5, FRAME_KIND_EVENTS);
  dv.setUint16(6, flags, true);
  dv.setUint32(8, h.epoch >>> 0, true);
  dv.setUint32(12, h.seq >>> 0, true);
  dv.setUint32(16, n, true);
  dv.setUint32(20, Math.min(h.dropped, 0xffffffff), true);
  dv.setUint32(24, Math.min(h.invalid, 0xffffffff), true);
  dv.setUint16(28, deltaCount, true);
  dv.setUint16(30, 0, true);
  dv.setFloat64(32, h.sentAt, true);
}

/**
 * A whole frame: header, the delta section (from {@link encodeDeltas}) and a column body
 * (from {@link encodeColumns}). FLAG_IDS is set from the body; other flags come from `header`.
 */
export function assembleFrame(header: FrameHeader, deltas: { count: number; bytes: Uint8Array }, body: ColumnBody): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + deltas.bytes.length + body.bytes.length);
  const flags = (header.flags & ~FLAG_IDS) | (body.hasIds ? FLAG_IDS : 0);
  writeHeader(out, header, body.n, flags, deltas.count);
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
): Uint8Array {
  return assembleFrame(header, encodeDeltas(deltas), encodeColumns(cols, 0, n, ids));
}
