/**
 * A metric's `where` compiled once into one test over the decoded field columns, so the hot loop
 * calls a closure per event instead of reading the declaration. SPEC: a condition on a missing
 * field is false, except `ne` and `exists: false`.
 */
import type { Condition } from "./definition";
import { type FieldColumns, NONE } from "./field-columns";

export type { ValueDictionary } from "./field-columns";

/** True when event `i` of the batch passes. */
export type Predicate = (i: number) => boolean;

const ALWAYS: Predicate = () => true;

function compare(op: string, a: number | string, b: number | string): boolean {
  switch (op) {
    case "gt":
      return a > b;
    case "gte":
      return a >= b;
    case "lt":
      return a < b;
    default:
      return a <= b;
  }
}

function one(c: Condition, input: string, cols: FieldColumns): Predicate {
  const s = cols.slot(input, c.field);
  if (s.str) {
    const col = s.str;
    const values = s.dict!;
    // Constants get their id in the column's own dictionary. A dictionary the batch shares with
    // others (and, in the browser, with the gateway's) is never added to: a constant no event had
    // yet has no id, matches nothing, and is looked up again until an event brings it.
    const idOf = s.shared ? (v: string) => values.lookup(v) : (v: string) => values.encode(v);
    switch (c.op) {
      case "exists":
        return c.value ? (i) => col[i] !== NONE : (i) => col[i] === NONE;
      case "eq":
      case "ne": {
        const v = c.value as string;
        let id = idOf(v) ?? -1;
        if (c.op === "eq") return (i) => (id >= 0 || (id = idOf(v) ?? -1) >= 0) && col[i] === id;
        return (i) => (id < 0 && (id = idOf(v) ?? -1) < 0) || col[i] !== id;
      }
      case "in": {
        const ids = new Set<number>();
        const pending = new Set(c.value as string[]);
        const resolve = () => {
          for (const v of pending) {
            const id = idOf(v);
            if (id === undefined) continue;
            ids.add(id);
            pending.delete(v);
          }
        };
        resolve();
        return (i) => {
          if (pending.size > 0) resolve();
          return ids.has(col[i]);
        };
      }
      default: {
        const v = c.value as string;
        return (i) => col[i] !== NONE && compare(c.op, values.decode(col[i]), v);
      }
    }
  }
  const col = s.num!;
  // Booleans are 1/0 in the column; SPEC amounts are cents there, so constants on `amount` scale too.
  const num = (v: unknown): number => (typeof v === "boolean" ? (v ? 1 : 0) : s.cents ? Math.round((v as number) * 100) : (v as number));
  switch (c.op) {
    case "exists":
      return c.value ? (i) => !Number.isNaN(col[i]) : (i) => Number.isNaN(col[i]);
    case "eq": {
      const v = num(c.value);
      return (i) => col[i] === v;
    }
    case "ne": {
      const v = num(c.value);
      return (i) => col[i] !== v;
    }
    case "in": {
      const set = new Set((c.value as unknown[]).map(num));
      return (i) => set.has(col[i]);
    }
    default: {
      // Comparing in cents would round the constant; compare amounts exactly in currency units.
      if (s.cents) {
        const v = c.value as number;
        return (i) => compare(c.op, col[i] / 100, v);
      }
      const v = c.value as number;
      return (i) => compare(c.op, col[i], v);
    }
  }
}

/** Compiles `where` (all conditions must hold) for events of `input`. */
export function compileWhere(where: readonly Condition[], input: string, cols: FieldColumns): Predicate {
  const tests = where.map((c) => one(c, input, cols));
  if (tests.length === 0) return ALWAYS;
  if (tests.length === 1) return tests[0];
  if (tests.length === 2) {
    const [a, b] = tests;
    return (i) => a(i) && b(i);
  }
  return (i) => {
    for (let k = 0; k < tests.length; k++) if (!tests[k](i)) return false;
    return true;
  };
}
