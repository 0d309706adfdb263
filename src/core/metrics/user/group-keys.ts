/**
 * A user metric's groups as dense ids, the key space its kernels index: each distinct tuple of
 * groupBy values gets the next id, kept in a dictionary of the tuples' JSON (named state
 * `groups`, so ids survive a restore). One string field, the common case, skips building the
 * tuple for every event: a table maps its value id straight to the group id.
 */
import { Dictionary } from "../../dictionary";
import type { FieldRef } from "./definition";
import { type FieldColumns, type FieldSlot, NONE } from "./field-columns";

/** See the module comment. */
export class GroupKeys {
  readonly dict: Dictionary;
  private readonly slots: FieldSlot[];
  private byValue = new Int32Array(0).fill(-1);
  private nullGroup = -1;
  /** Group id of event `i`. */
  readonly keyOf: (i: number) => number;

  constructor(
    groupBy: readonly FieldRef[],
    input: string,
    cols: FieldColumns,
    snapshot?: Uint8Array,
  ) {
    this.dict = snapshot ? Dictionary.restore(snapshot) : new Dictionary();
    this.slots = groupBy.map((f) => cols.slot(input, f));
    if (this.slots.length === 0) {
      this.dict.encode("[]");
      this.keyOf = () => 0;
    } else if (this.slots.length === 1 && this.slots[0].str) {
      const col = this.slots[0].str;
      const dict = this.slots[0].dict!;
      this.keyOf = (i) => this.singleString(col[i], dict);
    } else {
      this.keyOf = (i) => this.dict.encode(JSON.stringify(this.slots.map((s) => this.value(s, i))));
    }
  }

  private singleString(id: number, dict: FieldSlot["dict"] & object): number {
    if (id === NONE) {
      if (this.nullGroup < 0) this.nullGroup = this.dict.encode("[null]");
      return this.nullGroup;
    }
    if (id >= this.byValue.length) {
      const grown = new Int32Array(Math.max(1024, id * 2)).fill(-1);
      grown.set(this.byValue);
      this.byValue = grown;
    }
    let g = this.byValue[id];
    if (g < 0) {
      g = this.dict.encode(JSON.stringify([dict.decode(id)]));
      this.byValue[id] = g;
    }
    return g;
  }

  private value(s: FieldSlot, i: number): string | number | boolean | null {
    if (s.str) return s.str[i] === NONE ? null : s.dict!.decode(s.str[i]);
    const v = s.num![i];
    if (Number.isNaN(v)) return null;
    if (s.field.type === "boolean") return v === 1;
    return s.cents ? v / 100 : v;
  }

  /** The groupBy values of group `id`, in groupBy order. */
  decode(id: number): Array<string | number | boolean | null> {
    return JSON.parse(this.dict.decode(id)) as Array<string | number | boolean | null>;
  }
}
