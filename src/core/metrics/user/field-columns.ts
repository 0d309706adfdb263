/**
 * The fields user-defined metrics read, decoded once per event into columns beside the
 * pipeline's batch: strings as ids of one shared value dictionary (NONE when missing or of
 * another type), numbers and booleans as f64 (NaN when missing). Metric operators then filter,
 * group and aggregate over typed arrays; nothing of a declaration is interpreted per event.
 * SPEC string fields that the batch already holds as dictionary ids (user_id, product_id, ...)
 * are read from the batch column itself, with the dictionary that encoded it: no second
 * dictionary lookup per event, which would cost user metrics more than the built-in ones.
 *
 * SPEC inputs expose their SPEC fields with two readings fixed by SPEC: `timestamp` is the event
 * time in epoch ms, `category` is filled from the catalog when missing, and `amount` is integer
 * cents so that its sums are exact like the built-in metrics'.
 */
import { currencyToCents } from "../declaration";
import type { FieldRef, InputDef, UserMetric } from "./definition";

/** Column value of a missing string. */
export const NONE = 0xffffffff;

/** Encodes strings to dense ids and back (src/core/dictionary.ts). */
export interface ValueDictionary {
  encode(s: string): number;
  decode(id: number): string;
  /** The id of `s` if it has one (assigns nothing). */
  lookup(s: string): number | undefined;
}

/** A SPEC string field the event batch already holds: its id column and the dictionary of those ids. */
export interface BatchColumn {
  ids: Uint32Array | Uint8Array;
  dict: ValueDictionary;
}

/** One decoded field of one input. */
export interface FieldSlot {
  input: string;
  field: FieldRef;
  /** Column of string ids (string fields), NONE when missing … */
  str?: Uint32Array | Uint8Array;
  /** … with the dictionary of those ids … */
  dict?: ValueDictionary;
  /** True when the ids are the batch's own (a dictionary user metrics must not add to). */
  shared?: boolean;
  /** … or of numbers (number and boolean fields; booleans as 0/1). */
  num?: Float64Array;
  /** SPEC `amount`: decoded to integer cents. */
  cents: boolean;
}

/** What the SPEC-field readers need besides the event object. */
export interface SpecEventInfo {
  t: number;
  category: string;
}

type Obj = Record<string, unknown>;

/** The value at a dot path's parts in a JSON value (undefined when a step is not an object). */
export function fieldAt(o: unknown, parts: readonly string[]): unknown {
  let v = o;
  for (let k = 0; k < parts.length; k++) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Obj)[parts[k]];
  }
  return v;
}

/** Marks numbers in the value dictionary, so a distinct number never shares an id with a string. */
const NUMBER_PREFIX = "\u0001";

/**
 * The id event `i` counts under in a count_distinct of `slot`: string ids as they are, numbers
 * and booleans through the value dictionary; NONE when missing.
 */
export function distinctId(slot: FieldSlot, i: number, values: Pick<ValueDictionary, "encode">): number {
  if (slot.str) return slot.str[i];
  const v = slot.num![i];
  return Number.isNaN(v) ? NONE : values.encode(NUMBER_PREFIX + String(v));
}

/** The decoded field columns of a batch, for every field any selected metric uses. */
export class FieldColumns {
  private readonly byInput = new Map<string, FieldSlot[]>();
  private readonly byKey = new Map<string, FieldSlot>();

  constructor(
    metrics: readonly UserMetric[],
    capacity: number,
    private readonly values: ValueDictionary,
    private readonly batchColumn: (input: string, path: string) => BatchColumn | undefined = () => undefined,
  ) {
    for (const m of metrics) {
      const used = [...m.where.map((c) => c.field), ...m.groupBy, ...m.aggregates.flatMap((a) => (a.field ? [a.field] : []))];
      for (const f of used) this.slotFor(m.input, f, capacity);
    }
  }

  private slotFor(input: InputDef, field: FieldRef, capacity: number): FieldSlot {
    const key = `${input.name}\u0000${field.path}`;
    let s = this.byKey.get(key);
    if (!s) {
      const cents = input.builtin && field.path === "amount";
      const shared = input.builtin && field.type === "string" ? this.batchColumn(input.name, field.path) : undefined;
      if (shared) {
        // Filled by the batch builder: nothing to decode per event.
        s = { input: input.name, field, str: shared.ids, dict: shared.dict, shared: true, cents };
        this.byKey.set(key, s);
        return s;
      }
      s = field.type === "string" ? { input: input.name, field, str: new Uint32Array(capacity), dict: this.values, cents } : { input: input.name, field, num: new Float64Array(capacity), cents };
      this.byKey.set(key, s);
      const list = this.byInput.get(input.name) ?? [];
      list.push(s);
      this.byInput.set(input.name, list);
    }
    return s;
  }

  /** The column of `field` of `input` (every field a metric uses has one). */
  slot(input: string, field: FieldRef): FieldSlot {
    const s = this.byKey.get(`${input}\u0000${field.path}`);
    if (!s) throw new Error(`no column for ${input}.${field.path}`);
    return s;
  }

  /** True when some metric reads fields of `input`. */
  reads(input: string): boolean {
    return this.byInput.has(input);
  }

  /** The columns of `input` that {@link fill} decodes (not those the batch shares), in order. */
  filled(input: string): readonly FieldSlot[] {
    return this.byInput.get(input) ?? [];
  }

  /**
   * Decodes event `i` of `input` from its JSON object. `spec` carries the SPEC readings of a
   * SPEC input's event (event time, category from the catalog).
   */
  fill(input: string, i: number, o: unknown, spec?: SpecEventInfo): void {
    const slots = this.byInput.get(input);
    if (!slots) return;
    for (let k = 0; k < slots.length; k++) {
      const s = slots[k];
      const path = s.field.path;
      let v: unknown;
      if (spec && path === "timestamp") v = spec.t;
      else if (spec && path === "category") v = spec.category;
      else v = s.field.parts.length === 1 ? (o as Obj)[path] : fieldAt(o, s.field.parts);
      if (s.str) s.str[i] = typeof v === "string" ? this.values.encode(v) : NONE;
      else if (s.field.type === "boolean") s.num![i] = typeof v === "boolean" ? (v ? 1 : 0) : NaN;
      else s.num![i] = typeof v === "number" && Number.isFinite(v) ? (s.cents ? currencyToCents(v) : v) : NaN;
    }
  }
}
