/**
 * Fills a {@link Pipeline}'s user-metric field columns from version-2 frames, so user metrics run
 * on frames exactly as on JSON (`Pipeline.add`): carried fields come from the frame's field columns
 * (src/core/frames/fields.ts), SPEC fields the version-1 columns hold are derived from them
 * (timestamp = t, amount = cents, device = the device code, transaction_id / order_id = the ids).
 *
 * The frame's string values are ids of the gateway's `values` dictionary. The pipeline's own
 * `values` dictionary cannot follow it id for id (user metrics add `where` constants and distinct
 * numbers to it), so a mirror of the gateway's dictionary is kept and each gateway id is mapped
 * once, when its string arrives, to the pipeline's id of that string. Ids differ from a headless
 * run's, but every result depends only on which strings are equal, never on id values.
 */
import { Dictionary, type DictionaryDelta } from "../dictionary";
import { DEVICES } from "../events";
import { fieldColumnType, type FrameField, frameFields, SPEC_FIELDS_IN_COLUMNS } from "../frames/fields";
import { BOOL_NONE, type EventFrame, FIELD_BOOLEAN, FIELD_NUMBER, FIELD_STRING, FrameError, STRING_NONE } from "../frames/format";
import { type FieldSlot, NONE } from "../metrics/user/field-columns";
import type { Pipeline } from "./pipeline";

type Derived = "t" | "cents" | "device" | "ids";
const DERIVED: Readonly<Record<string, Derived>> = { timestamp: "t", amount: "cents", device: "device", transaction_id: "ids", order_id: "ids" };

interface Carried {
  field: FrameField;
  slot: FieldSlot;
}

/** See the module comment. */
export class FrameFieldInput {
  /** The gateway's `values` dictionary, as far as the deltas went. */
  readonly mirror = new Dictionary();
  private remap = new Uint32Array(1024);
  private readonly fields: FrameField[];
  private readonly carried: Carried[];
  private readonly derived: { code: number; slot: FieldSlot; from: Derived }[] = [];
  /** The pipeline's `values` id of each device code (NONE for unknown). */
  private readonly deviceIds: Uint32Array;

  constructor(private readonly pipeline: Pipeline) {
    const cols = pipeline.fieldColumns;
    this.fields = frameFields(pipeline.user);
    this.carried = this.fields.map((field) => ({ field, slot: cols.slot(field.input, field.field) }));
    const values = pipeline.dictionary("values");
    this.deviceIds = Uint32Array.from([...DEVICES.map((d) => values.encode(d)), NONE]);
    for (const inp of pipeline.inputs) {
      for (const slot of cols.filled(inp.name)) {
        const path = slot.field.path;
        if (this.carried.some((c) => c.slot === slot)) continue;
        const from = inp.kind ? DERIVED[path] : undefined;
        // A filled column that is neither carried nor derived would stay empty: a wiring mistake.
        if (!from || !SPEC_FIELDS_IN_COLUMNS.includes(path)) throw new Error(`no frame column for field '${path}' of input '${inp.name}'`);
        this.derived.push({ code: inp.code, slot, from });
      }
    }
  }

  /** Applies a delta of the gateway's `values` dictionary (dictionary 5). */
  applyDelta(d: DictionaryDelta): void {
    const before = this.mirror.size;
    this.mirror.applyDelta(d);
    const size = this.mirror.size;
    if (size > this.remap.length) {
      const grown = new Uint32Array(Math.max(size, this.remap.length * 2));
      grown.set(this.remap);
      this.remap = grown;
    }
    const values = this.pipeline.dictionary("values");
    for (let id = before; id < size; id++) this.remap[id] = values.encode(this.mirror.decode(id));
  }

  /**
   * Checks the frame's field columns for events `from .. to - 1` (every column a field the
   * definitions carry, of its input and type, string ids known); throws a {@link FrameError}.
   */
  check(frame: EventFrame, from: number, to: number): void {
    const have = new Set<number>();
    for (const c of frame.fields) {
      const f = this.fields[c.field];
      if (!f || f.code !== c.topic || fieldColumnType(f.field.type) !== c.type) throw new FrameError(`field column ${c.field} (topic ${c.topic}, type ${c.type}) is not one these metrics read`);
      have.add(c.field);
      if (c.type !== FIELD_STRING) continue;
      const col = c.values as Uint32Array;
      const [a, b] = rank(frame, c.topic, from, to);
      for (let j = a; j < b; j++) if (col[j] !== STRING_NONE && col[j] >= this.mirror.size) throw new FrameError(`field ${c.field}: value id ${col[j]} not in the dictionary (size ${this.mirror.size})`);
    }
    for (const f of this.fields) {
      if (have.has(f.index)) continue;
      for (let i = from; i < to; i++) if (frame.topic[i] === f.code) throw new FrameError(`frame has events of topic ${f.code} but no column for its field '${f.field.path}'`);
    }
    if (this.derived.some((d) => d.from === "ids") && !frame.ids) {
      for (const d of this.derived) for (let i = from; i < to; i++) if (d.from === "ids" && frame.topic[i] === d.code) throw new FrameError(`field '${d.slot.field.path}' needs the id column`);
    }
  }

  /** Fills the columns of events `from .. to - 1`, appended at batch index `at` on. Call {@link check} first. */
  fill(frame: EventFrame, from: number, to: number, at: number): void {
    for (const c of frame.fields) {
      const slot = this.carried[c.field].slot;
      let j = rank(frame, c.topic, from, to)[0];
      for (let i = from; i < to; i++) {
        if (frame.topic[i] !== c.topic) continue;
        const k = at + i - from;
        const v = c.values[j++];
        if (c.type === FIELD_STRING) slot.str![k] = v === STRING_NONE ? NONE : this.remap[v];
        else if (c.type === FIELD_NUMBER) slot.num![k] = v;
        else if (c.type === FIELD_BOOLEAN) slot.num![k] = v === BOOL_NONE ? NaN : v;
      }
    }
    const values = this.pipeline.dictionary("values");
    for (const d of this.derived) {
      for (let i = from; i < to; i++) {
        if (frame.topic[i] !== d.code) continue;
        const k = at + i - from;
        if (d.from === "t") d.slot.num![k] = frame.t[i];
        else if (d.from === "cents") d.slot.num![k] = frame.cents[i];
        else if (d.from === "device") d.slot.str![k] = this.deviceIds[Math.min(frame.device[i], DEVICES.length)];
        else {
          const id = frame.ids![i];
          d.slot.str![k] = id === "" ? NONE : values.encode(id);
        }
      }
    }
  }
}

/** Positions in a field column of topic `code` of the frame's events `from .. to - 1`: [first, end). */
function rank(frame: EventFrame, code: number, from: number, to: number): [number, number] {
  let a = 0;
  for (let i = 0; i < from; i++) if (frame.topic[i] === code) a++;
  let b = a;
  for (let i = from; i < to; i++) if (frame.topic[i] === code) b++;
  return [a, b];
}

const inputs = new WeakMap<Pipeline, FrameFieldInput>();

/** The field input of `pipeline` (one per pipeline, made on first use). */
export function frameFieldInput(pipeline: Pipeline): FrameFieldInput {
  let f = inputs.get(pipeline);
  if (!f) inputs.set(pipeline, (f = new FrameFieldInput(pipeline)));
  return f;
}
