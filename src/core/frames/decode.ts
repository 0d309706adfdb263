/**
 * Decoder of event frames (layout in docs/frames.md). Columns are typed-array views into the
 * received buffer (copied once when it is not 8-byte aligned), so reading a frame costs no
 * per-event parsing; ids and dictionary strings are the only UTF-8 decoded. Anything malformed
 * (wrong magic or version, truncated, trailing bytes, an out-of-range code) throws a
 * {@link FrameError}, never another error, so a worker can drop a bad frame and carry on.
 */
import { ACTIONS, DEVICES } from "../events";
import {
  BOOL_NONE,
  DELTA_HEADER_BYTES,
  type EventFrame,
  FIELD_BOOLEAN,
  FIELD_NUMBER,
  FIELD_STRING,
  FLAG_IDS,
  FRAME_DICTS,
  FRAME_DICTS_V2,
  FRAME_KIND_EVENTS,
  FRAME_MAGIC,
  FRAME_VERSION,
  FRAME_VERSION_FIELDS,
  type FrameDelta,
  type FrameFieldColumn,
  FrameError,
  HEADER_BYTES,
  MAX_FRAME_BYTES,
  MAX_FRAME_EVENTS,
  MAX_TOPIC_CODE,
  pad8,
} from "./format";

const ACTION_NONE = 255;
const MAX_MS = 8.64e15;
let utf8: TextDecoder | undefined;

function text(bytes: Uint8Array): string {
  try {
    return (utf8 ??= new TextDecoder("utf-8", { fatal: true })).decode(bytes);
  } catch {
    throw new FrameError("string is not valid UTF-8");
  }
}

/** Reads the frame's magic and version without decoding it (e.g. to route binary messages). */
export function isEventFrame(data: ArrayBuffer | ArrayBufferView): boolean {
  const b = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return b.length >= 8 && (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0 === FRAME_MAGIC;
}

/** Decodes one frame; throws {@link FrameError} when it is not a valid version-1 or version-2 event frame. */
export function decodeFrame(data: ArrayBuffer | ArrayBufferView): EventFrame {
  let bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length > MAX_FRAME_BYTES) throw new FrameError(`frame of ${bytes.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  if (bytes.length < HEADER_BYTES) throw new FrameError(`frame truncated: ${bytes.length} bytes, header needs ${HEADER_BYTES}`);
  // Typed-array views need their element alignment; a Node Buffer slice may not have it.
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  const buf = bytes.buffer;
  const base = bytes.byteOffset;
  const len = bytes.length;
  const dv = new DataView(buf, base, len);
  if (dv.getUint32(0, true) !== FRAME_MAGIC) throw new FrameError("not an event frame (bad magic)");
  const version = dv.getUint8(4);
  if (version !== FRAME_VERSION && version !== FRAME_VERSION_FIELDS) throw new FrameError(`frame version ${version} not supported (expected ${FRAME_VERSION} or ${FRAME_VERSION_FIELDS})`);
  const v2 = version === FRAME_VERSION_FIELDS;
  const dictCount = v2 ? FRAME_DICTS_V2.length : FRAME_DICTS.length;
  const maxTopic = v2 ? MAX_TOPIC_CODE : 2;
  if (dv.getUint8(5) !== FRAME_KIND_EVENTS) throw new FrameError(`unknown frame kind ${dv.getUint8(5)}`);
  const flags = dv.getUint16(6, true);
  const n = dv.getUint32(16, true);
  if (n > MAX_FRAME_EVENTS) throw new FrameError(`frame claims ${n} events (max ${MAX_FRAME_EVENTS})`);
  const deltaCount = dv.getUint16(28, true);
  // Reserved in version 1 (read as no field columns).
  const fieldCount = v2 ? dv.getUint16(30, true) : 0;
  const sentAt = dv.getFloat64(32, true);
  if (!Number.isFinite(sentAt)) throw new FrameError("sentAt is not finite");

  let pos = HEADER_BYTES;
  const need = (k: number, what: string) => {
    if (pos + k > len) throw new FrameError(`frame truncated in ${what}`);
  };
  const deltas: FrameDelta[] = [];
  for (let d = 0; d < deltaCount; d++) {
    need(DELTA_HEADER_BYTES, "a delta header");
    const dict = dv.getUint8(pos);
    if (dict >= dictCount) throw new FrameError(`unknown dictionary ${dict}`);
    const start = dv.getUint32(pos + 4, true);
    const count = dv.getUint32(pos + 8, true);
    const strBytes = dv.getUint32(pos + 12, true);
    // Each string takes at least its 4-byte length: bounds `count` before allocating anything.
    if (count > (len - pos - DELTA_HEADER_BYTES) / 4) throw new FrameError("frame truncated in delta lengths");
    const blockEnd = pos + pad8(DELTA_HEADER_BYTES + 4 * count + strBytes);
    if (blockEnd > len) throw new FrameError("frame truncated in delta strings");
    let q = pos + DELTA_HEADER_BYTES;
    let s = q + 4 * count;
    const strings = new Array<string>(count);
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const l = dv.getUint32(q, true);
      q += 4;
      sum += l;
      if (sum > strBytes) throw new FrameError("delta string lengths exceed the block");
      strings[i] = text(bytes.subarray(s, s + l));
      s += l;
    }
    if (sum !== strBytes) throw new FrameError("delta string lengths do not add up");
    deltas.push({ dict, start, strings });
    pos = blockEnd;
  }

  const hasIds = (flags & FLAG_IDS) !== 0;
  need(3 * 8 * n + 5 * pad8(4 * n) + 3 * pad8(n) + (hasIds ? pad8(2 * n) : 0), "the columns");
  const f64 = () => {
    const a = new Float64Array(buf, base + pos, n);
    pos += 8 * n;
    return a;
  };
  const u32 = () => {
    const a = new Uint32Array(buf, base + pos, n);
    pos += pad8(4 * n);
    return a;
  };
  const u8 = () => {
    const a = new Uint8Array(buf, base + pos, n);
    pos += pad8(n);
    return a;
  };
  const t = f64(), kafkaTs = f64(), cents = f64();
  const stream = u32(), user = u32(), product = u32(), category = u32(), url = u32();
  const topic = u8(), action = u8(), device = u8();
  for (let i = 0; i < n; i++) {
    if (topic[i] > maxTopic) throw new FrameError(`event ${i}: unknown topic code ${topic[i]}`);
    const a = action[i];
    if (a >= ACTIONS.length && a !== ACTION_NONE) throw new FrameError(`event ${i}: unknown action code ${a}`);
    if (device[i] > DEVICES.length) throw new FrameError(`event ${i}: unknown device code ${device[i]}`);
    // Written negated so that NaN fails too.
    if (!(Math.abs(t[i]) <= MAX_MS)) throw new FrameError(`event ${i}: event time out of range`);
    if (!(Math.abs(kafkaTs[i]) <= MAX_MS)) throw new FrameError(`event ${i}: Kafka timestamp out of range`);
    if (!(cents[i] >= 0 && cents[i] <= Number.MAX_SAFE_INTEGER)) throw new FrameError(`event ${i}: amount out of range`);
  }
  let ids: string[] | null = null;
  if (hasIds) {
    const lens = new Uint16Array(buf, base + pos, n);
    pos += pad8(2 * n);
    ids = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const l = lens[i];
      need(l, "the ids");
      ids[i] = l === 0 ? "" : text(bytes.subarray(pos, pos + l));
      pos += l;
    }
    pos = pad8(pos);
  }
  const fields = fieldCount ? decodeFields(dv, buf, base, len, pos, fieldCount, topic) : { fields: [], end: pos };
  pos = fields.end;
  if (pos !== len) throw new FrameError(pos > len ? "frame truncated at the end" : `frame has ${len - pos} trailing bytes`);
  return {
    version, flags, epoch: dv.getUint32(8, true), seq: dv.getUint32(12, true), n,
    dropped: dv.getUint32(20, true), invalid: dv.getUint32(24, true), sentAt, deltas,
    topic, action, device, stream, user, product, category, url, t, kafkaTs, cents, ids, fields: fields.fields,
  };
}

/** The field section (version 2): descriptors, then one column per descriptor (docs/frames.md). */
function decodeFields(dv: DataView, buf: ArrayBufferLike, base: number, len: number, start: number, count: number, topic: Uint8Array): { fields: FrameFieldColumn[]; end: number } {
  let pos = start;
  if (pos + pad8(4 * count) > len) throw new FrameError("frame truncated in the field descriptors");
  const perTopic = new Uint32Array(256);
  for (let i = 0; i < topic.length; i++) perTopic[topic[i]]++;
  const fields: FrameFieldColumn[] = [];
  const seen = new Set<number>();
  for (let k = 0; k < count; k++) {
    const code = dv.getUint8(pos + 4 * k);
    const type = dv.getUint8(pos + 4 * k + 1);
    const field = dv.getUint16(pos + 4 * k + 2, true);
    if (code > MAX_TOPIC_CODE) throw new FrameError(`field column ${k}: unknown topic code ${code}`);
    if (type !== FIELD_STRING && type !== FIELD_NUMBER && type !== FIELD_BOOLEAN) throw new FrameError(`field column ${k}: unknown type ${type}`);
    if (seen.has(field)) throw new FrameError(`field ${field} has two columns`);
    seen.add(field);
    fields.push({ topic: code, type, field, values: new Uint8Array(0) });
  }
  pos += pad8(4 * count);
  for (const f of fields) {
    const m = perTopic[f.topic];
    const size = f.type === FIELD_STRING ? pad8(4 * m) : f.type === FIELD_NUMBER ? 8 * m : pad8(m);
    if (pos + size > len) throw new FrameError("frame truncated in the field columns");
    if (f.type === FIELD_STRING) f.values = new Uint32Array(buf, base + pos, m);
    else if (f.type === FIELD_NUMBER) {
      const a = new Float64Array(buf, base + pos, m);
      // Missing is NaN; an infinity is never written (non-finite numbers count as missing).
      for (let i = 0; i < m; i++) if (a[i] === Infinity || a[i] === -Infinity) throw new FrameError(`field ${f.field}: value ${i} is infinite`);
      f.values = a;
    } else {
      const a = new Uint8Array(buf, base + pos, m);
      for (let i = 0; i < m; i++) if (a[i] > 1 && a[i] !== BOOL_NONE) throw new FrameError(`field ${f.field}: value ${i} is not a boolean code`);
      f.values = a;
    }
    pos += size;
  }
  return { fields, end: pos };
}
