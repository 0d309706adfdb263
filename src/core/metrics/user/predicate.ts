/**
 * A metric's `where` compiled once into one test over the decoded field columns, so the hot loop
 * calls a closure per event instead of reading the declaration. SPEC: a condition on a missing
 * field is false, except `ne` and `exists: false`.
 */
import type { Condition } from "./definition";
import { type FieldColumns, NONE } from "./field-columns";

/** Encodes and decodes the shared value dictionary's strings. */
export interface ValueDictionary {
  encode(s: string): number;
  decode(id: number): string;
}

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

function one(c: Condition, input: string, cols: FieldColumns, values: ValueDictionary): Predicate {
  const s = cols.slot(input, c.field);
  if (s.str) {
    const col = s.str;
    switch (c.op) {
      case "exists":
        return c.value ? (i) => col[i] !== NONE : (i) => col[i] === NONE;
      case "eq": {
        const id = values.encode(c.value as string);
        return (i) => col[i] === id;
      }
      case "ne": {
        const id = values.encode(c.value as string);
        return (i) => col[i] !== id;
      }
      case "in": {
        const ids = new Set((c.value as string[]).map((v) => values.encode(v)));
        return (i) => ids.has(col[i]);
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
export function compileWhere(where: readonly Condition[], input: string, cols: FieldColumns, values: ValueDictionary): Predicate {
  const tests = where.map((c) => one(c, input, cols, values));
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
