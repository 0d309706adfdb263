/**
 * Validation of one user-defined metric against its input: name, where, groupBy, window and
 * aggregates. Problems are collected with the metric's name and the key at fault.
 */
import { parseDurationWithUnit } from "../../duration";
import { SESSION_AGG_MAX_DISTINCT, SESSION_AGG_MAX_VALUES } from "../../kernels/session-agg";
import {
  AGGREGATE_FNS,
  type AggregateDef,
  type AggregateFn,
  CONDITION_OPS,
  type Condition,
  type ConditionOp,
  type FieldRef,
  type InputDef,
  type UserMetric,
  type WindowDef,
} from "./definition";
import { type DefinitionProblem, shown } from "./definition-error";
import { CLOSED_VALUES } from "./spec-inputs";
import { isObject, unknownKeys } from "./validate-inputs";

const METRIC_NAME = /^[a-z][a-z0-9_]*$/;
const OUTPUT_NAME = /^[a-z_][a-z0-9_]*$/;
const METRIC_KEYS = ["name", "from", "where", "groupBy", "window", "aggregates"];
/** Row fields every windowed row has: an aggregate or group named so would be overwritten. */
const ROW_FIELDS = ["metric", "window_start", "window_end"];
/** The window kernel keeps at most this many overlapping windows per event. */
const MAX_WINDOWS_PER_EVENT = 65_536;
const NUMERIC_FNS: readonly AggregateFn[] = ["sum", "avg", "min", "max"];

type Problems = DefinitionProblem[];

function fieldOf(input: InputDef, path: unknown, subject: string, key: string, out: Problems): FieldRef | undefined {
  const f = typeof path === "string" ? input.fields.get(path) : undefined;
  if (!f) out.push({ subject, key, expected: `a field of input '${input.name}' (${[...input.fields.keys()].join(", ")})`, found: shown(path) });
  return f;
}

function valueFits(f: FieldRef, v: unknown): boolean {
  return typeof v === f.type;
}

function condition(input: InputDef, raw: unknown, i: number, subject: string, out: Problems): Condition | undefined {
  const key = `where[${i}]`;
  if (!isObject(raw)) {
    out.push({ subject, key, expected: '{ "field": PATH, OP: value } with OP one of ' + CONDITION_OPS.join(", "), found: shown(raw) });
    return undefined;
  }
  const ops = Object.keys(raw).filter((k) => k !== "field");
  const unknown = ops.filter((k) => !(CONDITION_OPS as readonly string[]).includes(k));
  if (unknown.length) {
    out.push({ subject, key: `${key}.${unknown[0]}`, expected: `an operator: ${CONDITION_OPS.join(", ")}`, found: `'${unknown[0]}'` });
    return undefined;
  }
  if (ops.length !== 1) {
    out.push({ subject, key, expected: "exactly one operator per condition (list several conditions to combine them)", found: ops.length ? ops.join(" and ") : "no operator" });
    return undefined;
  }
  const f = fieldOf(input, raw.field, subject, `${key}.field`, out);
  if (!f) return undefined;
  const op = ops[0] as ConditionOp;
  const v = raw[op];
  const at = `${key}.${op}`;
  if (op === "exists") {
    if (typeof v !== "boolean") out.push({ subject, key: at, expected: "true or false", found: shown(v) });
    return typeof v === "boolean" ? { field: f, op, value: v } : undefined;
  }
  if (op === "in") {
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => valueFits(f, x))) {
      out.push({ subject, key: at, expected: `a non-empty list of ${f.type}s (field '${f.path}' is a ${f.type})`, found: shown(v) });
      return undefined;
    }
  } else if (op === "gt" || op === "gte" || op === "lt" || op === "lte") {
    if (f.type === "boolean" || !valueFits(f, v)) {
      out.push({ subject, key: at, expected: f.type === "boolean" ? "eq, ne or in on a boolean field" : `a ${f.type} (field '${f.path}' is a ${f.type})`, found: shown(v) });
      return undefined;
    }
  } else if (!valueFits(f, v)) {
    out.push({ subject, key: at, expected: `a ${f.type} (field '${f.path}' is a ${f.type})`, found: shown(v) });
    return undefined;
  }
  const closed = input.builtin ? CLOSED_VALUES[f.path] : undefined;
  if (closed && (op === "eq" || op === "ne" || op === "in")) {
    const bad = (Array.isArray(v) ? v : [v]).find((x) => !closed.includes(x as string));
    if (bad !== undefined) {
      out.push({ subject, key: at, expected: `values of ${f.path}: ${closed.join(", ")}`, found: shown(bad) });
      return undefined;
    }
  }
  return { field: f, op, value: v as Condition["value"] };
}

function duration(raw: unknown, subject: string, key: string, out: Problems): number | undefined {
  const ms = typeof raw === "string" ? parseDurationWithUnit(raw) : undefined;
  if (ms === undefined || ms < 1 || !Number.isSafeInteger(ms)) {
    out.push({ subject, key, expected: "a duration such as 500ms, 30s, 5m, 1h, 1d", found: shown(raw) });
    return undefined;
  }
  return ms;
}

function windowOf(raw: unknown, grouped: boolean, subject: string, out: Problems): WindowDef | undefined {
  const kinds = isObject(raw) ? Object.keys(raw).filter((k) => k !== "every") : [];
  if (!isObject(raw) || kinds.length !== 1 || !["tumbling", "sliding", "session"].includes(kinds[0])) {
    out.push({ subject, key: "window", expected: '{ "tumbling": D }, { "sliding": D, "every": D2 } or { "session": GAP }', found: shown(raw) });
    return undefined;
  }
  const kind = kinds[0] as "tumbling" | "sliding" | "session";
  if (kind !== "sliding" && raw.every !== undefined) {
    out.push({ subject, key: "window.every", expected: `no 'every' on a ${kind} window (only sliding windows slide)`, found: shown(raw.every) });
    return undefined;
  }
  const size = duration(raw[kind], subject, `window.${kind}`, out);
  if (size === undefined) return undefined;
  if (kind === "tumbling") return { kind, sizeMs: size };
  if (kind === "session") {
    if (!grouped) {
      out.push({ subject, key: "groupBy", expected: "at least one field: a session window is per group (e.g. user_id)", found: "no groupBy" });
      return undefined;
    }
    return { kind, gapMs: size };
  }
  const slide = duration(raw.every, subject, "window.every", out);
  if (slide === undefined) return undefined;
  if (size % slide !== 0 || size / slide > MAX_WINDOWS_PER_EVENT) {
    out.push({ subject, key: "window.sliding", expected: `a multiple of every (${raw.every}), at most ${MAX_WINDOWS_PER_EVENT} times it`, found: shown(raw.sliding) });
    return undefined;
  }
  return { kind, sizeMs: size, slideMs: slide };
}

function aggregatesOf(input: InputDef, raw: unknown, taken: Set<string>, subject: string, out: Problems): AggregateDef[] {
  if (!isObject(raw) || Object.keys(raw).length === 0) {
    out.push({ subject, key: "aggregates", expected: 'an object of output field → { "fn": ... }, at least one', found: shown(raw) });
    return [];
  }
  const defs: AggregateDef[] = [];
  for (const [name, spec] of Object.entries(raw)) {
    const key = `aggregates.${name}`;
    if (!OUTPUT_NAME.test(name)) out.push({ subject, key, expected: "an output field name of lower-case letters, digits and _", found: shown(name) });
    else if (taken.has(name)) out.push({ subject, key, expected: `an output field name not used by the row already (${[...taken].join(", ")})`, found: shown(name) });
    taken.add(name);
    if (!isObject(spec)) {
      out.push({ subject, key, expected: '{ "fn": "count" } or { "fn": F, "field": PATH }', found: shown(spec) });
      continue;
    }
    unknownKeys(spec, ["fn", "field"], subject, `${key}.`, out);
    const fn = spec.fn as AggregateFn;
    if (!(AGGREGATE_FNS as readonly string[]).includes(fn)) {
      out.push({ subject, key: `${key}.fn`, expected: `one of ${AGGREGATE_FNS.join(", ")}`, found: shown(spec.fn) });
      continue;
    }
    if (fn === "count") {
      if (spec.field !== undefined) out.push({ subject, key: `${key}.field`, expected: 'no field: count counts events (use "count_distinct" for distinct values, or where exists)', found: shown(spec.field) });
      else defs.push({ name, fn });
      continue;
    }
    const f = fieldOf(input, spec.field, subject, `${key}.field`, out);
    if (!f) continue;
    if (NUMERIC_FNS.includes(fn) && f.type !== "number") {
      out.push({ subject, key: `${key}.field`, expected: `a number field for ${fn}`, found: `'${f.path}', a ${f.type}` });
      continue;
    }
    defs.push({ name, fn, field: f });
  }
  return defs;
}

/** Validates one metric; `names` holds names taken so far (built-in and earlier metrics). */
export function validateMetric(raw: unknown, index: number, inputs: ReadonlyMap<string, InputDef>, builtins: readonly string[], names: Set<string>, out: Problems): UserMetric | undefined {
  if (!isObject(raw)) {
    out.push({ subject: `metrics[${index}]`, key: "(value)", expected: "a metric object { name, from, window, aggregates, ... }", found: shown(raw) });
    return undefined;
  }
  const name = raw.name;
  const subject = typeof name === "string" && name ? `metric '${name}'` : `metrics[${index}]`;
  const before = out.length;
  if (typeof name !== "string" || !METRIC_NAME.test(name)) {
    out.push({ subject, key: "name", expected: "a name matching [a-z][a-z0-9_]* (lower-case letters, digits, _)", found: shown(name) });
  } else if (builtins.includes(name)) {
    out.push({ subject, key: "name", expected: `a name other than the built-in metrics (${builtins.join(", ")})`, found: shown(name) });
  } else if (names.has(name)) {
    out.push({ subject, key: "name", expected: "a name no other metric in the file has", found: `a second '${name}'` });
  }
  if (typeof name === "string") names.add(name);
  unknownKeys(raw, METRIC_KEYS, subject, "", out);
  const input = typeof raw.from === "string" ? inputs.get(raw.from) : undefined;
  if (!input) {
    out.push({ subject, key: "from", expected: `one input: ${[...inputs.keys()].join(", ")}`, found: shown(raw.from) });
    return undefined;
  }
  const where: Condition[] = [];
  if (raw.where !== undefined && !Array.isArray(raw.where)) out.push({ subject, key: "where", expected: "a list of conditions", found: shown(raw.where) });
  else (raw.where ?? []).forEach((c: unknown, i: number) => {
    const cond = condition(input, c, i, subject, out);
    if (cond) where.push(cond);
  });
  const groupBy: FieldRef[] = [];
  const taken = new Set(ROW_FIELDS);
  if (raw.groupBy !== undefined && (!Array.isArray(raw.groupBy) || raw.groupBy.length > 3)) {
    out.push({ subject, key: "groupBy", expected: "a list of 0 to 3 field paths", found: shown(raw.groupBy) });
  } else {
    for (const [i, p] of ((raw.groupBy ?? []) as unknown[]).entries()) {
      const f = fieldOf(input, p, subject, `groupBy[${i}]`, out);
      if (!f) continue;
      if (taken.has(f.path)) out.push({ subject, key: `groupBy[${i}]`, expected: "each field once", found: `'${f.path}' again` });
      taken.add(f.path);
      groupBy.push(f);
    }
  }
  const window = windowOf(raw.window, Array.isArray(raw.groupBy) && raw.groupBy.length > 0, subject, out);
  const aggregates = aggregatesOf(input, raw.aggregates, taken, subject, out);
  if (window?.kind === "session") {
    const numbers = new Set(aggregates.filter((a) => a.field && a.fn !== "count_distinct").map((a) => a.field!.path));
    const distinct = new Set(aggregates.filter((a) => a.fn === "count_distinct").map((a) => a.field!.path));
    if (numbers.size > SESSION_AGG_MAX_VALUES) out.push({ subject, key: "aggregates", expected: `at most ${SESSION_AGG_MAX_VALUES} number fields aggregated over a session window`, found: `${numbers.size}` });
    if (distinct.size > SESSION_AGG_MAX_DISTINCT) out.push({ subject, key: "aggregates", expected: `at most ${SESSION_AGG_MAX_DISTINCT} count_distinct fields over a session window`, found: `${distinct.size}` });
  }
  if (out.length > before || !window) return undefined;
  return { name: name as string, input, where, groupBy, window, aggregates };
}
