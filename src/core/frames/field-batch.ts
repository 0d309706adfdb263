/**
 * The gateway side of a version-2 frame's field columns: beside an {@link EventBatch}, the
 * values of each carried field (src/core/frames/fields.ts) for the batch's events of its input,
 * in batch order. Values are read with the rules of the pipeline's own field columns
 * (src/core/metrics/user/field-columns.ts): a value of another type, or a non-finite number,
 * is missing; strings become ids of the gateway's `values` dictionary.
 */
import { fieldAt } from "../metrics/user/field-columns";
import type { FrameField } from "./fields";
import { BOOL_NONE, STRING_NONE } from "./format";

/** Maps strings to dense ids (the gateway's `values` dictionary). */
export interface StringEncoder {
  encode(s: string): number;
}

/** One field's values for the batch's events of its input. */
export interface FieldValues {
  field: FrameField;
  /** Values held (= events of the input in the batch). */
  n: number;
  str?: Uint32Array;
  num?: Float64Array;
  bool?: Uint8Array;
}

/** See the module comment. */
export class FieldBatch {
  readonly cols: FieldValues[];
  private readonly byCode = new Map<number, FieldValues[]>();

  /** @param values the dictionary string values are encoded with (read at each append: it is replaced at a new epoch) */
  constructor(
    fields: readonly FrameField[],
    capacity: number,
    private readonly values: () => StringEncoder,
  ) {
    this.cols = fields.map((field) => {
      const t = field.field.type;
      const c: FieldValues = { field, n: 0, ...(t === "string" ? { str: new Uint32Array(capacity) } : t === "number" ? { num: new Float64Array(capacity) } : { bool: new Uint8Array(capacity) }) };
      const list = this.byCode.get(field.code) ?? [];
      list.push(c);
      this.byCode.set(field.code, list);
      return c;
    });
  }

  /** True when some field of topic code `code` is carried. */
  reads(code: number): boolean {
    return this.byCode.has(code);
  }

  /** Appends the carried fields of one validated event (its JSON object) of topic code `code`. */
  append(code: number, event: object): void {
    const cols = this.byCode.get(code);
    if (!cols) return;
    for (const c of cols) {
      const v = fieldAt(event, c.field.field.parts);
      const j = c.n++;
      if (c.str) c.str[j] = typeof v === "string" ? this.values().encode(v) : STRING_NONE;
      else if (c.num) c.num[j] = typeof v === "number" && Number.isFinite(v) ? v : NaN;
      else c.bool![j] = typeof v === "boolean" ? (v ? 1 : 0) : BOOL_NONE;
    }
  }

  /** Empties every column. */
  clear(): void {
    for (const c of this.cols) c.n = 0;
  }
}
