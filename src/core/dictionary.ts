/**
 * Dictionary encoder for string keys (user_id, product_id, category, url, ...): maps each
 * distinct string to a dense u32 id 0, 1, 2, ... in order of first appearance, which is what
 * the kernels index their slabs with, and back.
 *
 * Ids are never reused or reassigned, so a delta (the strings added since a mark) is enough
 * to keep a second dictionary in sync: the runner checkpoints deltas and the web console's
 * frames carry them, and {@link Dictionary.applyDelta} replays one on the other side.
 * Isomorphic (no node:* imports).
 */

/** "EDIC" as a little-endian u32: the first four bytes of a dictionary snapshot. */
export const DICTIONARY_MAGIC = 0x43494445;
const FORMAT_VERSION = 1;

/** The strings added since a mark, with the id of the first one. */
export interface DictionaryDelta {
  /** Id of `strings[0]` (= the dictionary size at the mark). */
  start: number;
  strings: string[];
}

export class Dictionary {
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];

  /** Number of distinct strings (= the next id). */
  get size(): number {
    return this.strings.length;
  }

  /** The id of `s`, assigning the next one when `s` is new. */
  encode(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      if (id >= 0x1000_0000) throw new RangeError("dictionary full (2^28 keys, the kernels' key limit)");
      this.ids.set(s, id);
      this.strings.push(s);
    }
    return id;
  }

  /** Encodes `values[i]` into `out[i]` (allocates `out` when not given). */
  encodeAll(values: ArrayLike<string>, out: Uint32Array = new Uint32Array(values.length)): Uint32Array {
    for (let i = 0; i < values.length; i++) out[i] = this.encode(values[i]!);
    return out;
  }

  /** The id of `s`, or undefined when it was never encoded (assigns nothing). */
  lookup(s: string): number | undefined {
    return this.ids.get(s);
  }

  /** The string of `id`; throws a RangeError for an id never assigned. */
  decode(id: number): string {
    const s = this.strings[id];
    if (s === undefined) throw new RangeError(`unknown dictionary id ${id} (size ${this.strings.length})`);
    return s;
  }

  /** A mark for {@link since}: the current size. */
  mark(): number {
    return this.strings.length;
  }

  /** The strings added since `mark` (ids mark .. size-1). */
  since(mark: number): DictionaryDelta {
    if (!Number.isInteger(mark) || mark < 0 || mark > this.strings.length) {
      throw new RangeError(`dictionary mark ${mark} out of range 0..${this.strings.length}`);
    }
    return { start: mark, strings: this.strings.slice(mark) };
  }

  /**
   * Replays a delta from another dictionary. Parts already present must agree (a delta may be
   * applied twice); a gap or a conflicting string throws, since ids would no longer match.
   */
  applyDelta(delta: DictionaryDelta): void {
    const { start, strings } = delta;
    if (start > this.strings.length) throw new RangeError(`dictionary delta starts at ${start}, past size ${this.strings.length}`);
    strings.forEach((s, i) => {
      const id = start + i;
      if (id < this.strings.length) {
        if (this.strings[id] !== s) throw new Error(`dictionary delta conflicts at id ${id}: '${s}' vs '${this.strings[id]}'`);
        return;
      }
      if (this.ids.has(s)) throw new Error(`dictionary delta repeats '${s}' (already id ${this.ids.get(s)})`);
      this.ids.set(s, id);
      this.strings.push(s);
    });
  }

  /**
   * All strings as bytes: u32 magic "EDIC" | u16 version | u16 0 | u32 count, then per string
   * u32 UTF-8 byte length + bytes (little-endian), in id order.
   */
  snapshot(): Uint8Array {
    const enc = new TextEncoder();
    const parts = this.strings.map((s) => enc.encode(s));
    const total = 12 + parts.reduce((n, p) => n + 4 + p.length, 0);
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, DICTIONARY_MAGIC, true);
    dv.setUint16(4, FORMAT_VERSION, true);
    dv.setUint32(8, parts.length, true);
    let pos = 12;
    for (const p of parts) {
      dv.setUint32(pos, p.length, true);
      out.set(p, pos + 4);
      pos += 4 + p.length;
    }
    return out;
  }

  /** Rebuilds a dictionary from {@link snapshot} bytes (same ids). */
  static restore(bytes: Uint8Array): Dictionary {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 12 || dv.getUint32(0, true) !== DICTIONARY_MAGIC) throw new Error("not a dictionary snapshot");
    if (dv.getUint16(4, true) !== FORMAT_VERSION) throw new Error(`dictionary snapshot version ${dv.getUint16(4, true)} not supported`);
    const count = dv.getUint32(8, true);
    const dec = new TextDecoder("utf-8", { fatal: true });
    const d = new Dictionary();
    let pos = 12;
    for (let i = 0; i < count; i++) {
      if (pos + 4 > bytes.length) throw new Error("dictionary snapshot truncated");
      const len = dv.getUint32(pos, true);
      if (pos + 4 + len > bytes.length) throw new Error("dictionary snapshot truncated");
      const s = dec.decode(bytes.subarray(pos + 4, pos + 4 + len));
      if (d.ids.has(s)) throw new Error(`dictionary snapshot repeats '${s}'`);
      d.encode(s);
      pos += 4 + len;
    }
    if (pos !== bytes.length) throw new Error("dictionary snapshot has trailing bytes");
    return d;
  }
}
