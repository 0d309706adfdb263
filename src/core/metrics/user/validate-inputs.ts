/**
 * Validation of a metrics file's `inputs`: each declared input becomes an {@link InputDef} with
 * its field paths split once. Problems are collected, not thrown, so one run names them all.
 */
import { TOPIC_KINDS } from "../../events";
import type { FieldType, InputDef } from "./definition";
import { type DefinitionProblem, shown } from "./definition-error";
import { fieldRef, isSpecInput } from "./spec-inputs";

const FIELD_TYPES: readonly FieldType[] = ["string", "number", "boolean"];
const INPUT_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const PATH = /^[A-Za-z_$][A-Za-z0-9_$-]*(\.[A-Za-z_$][A-Za-z0-9_$-]*)*$/;
// Kafka topic names: up to 249 characters of [a-zA-Z0-9._-], not "." or "..".
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const INPUT_KEYS = ["topic", "time", "fields", "required"];

/** True when `v` is a plain JSON object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True when `p` is a dot-separated field path. */
export function isPath(p: unknown): p is string {
  return typeof p === "string" && PATH.test(p);
}

/** Pushes a problem for each key of `obj` outside `known`, suggesting nothing it can't know. */
export function unknownKeys(obj: Record<string, unknown>, known: readonly string[], subject: string, prefix: string, out: DefinitionProblem[]): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k)) out.push({ subject, key: prefix + k, expected: `one of the keys ${known.join(", ")}`, found: `an unknown key '${k}'` });
  }
}

/** Validates `inputs` (may be absent); returns the declared inputs that are usable. */
export function validateInputs(raw: unknown, out: DefinitionProblem[]): InputDef[] {
  if (raw === undefined) return [];
  if (!isObject(raw)) {
    out.push({ subject: "file", key: "inputs", expected: "an object of input name → { topic, time, fields, required }", found: shown(raw) });
    return [];
  }
  const defs: InputDef[] = [];
  const topics = new Map<string, string>();
  for (const [name, spec] of Object.entries(raw)) {
    const subject = `input '${name}'`;
    const before = out.length;
    if (!INPUT_NAME.test(name)) out.push({ subject, key: "(name)", expected: "a name of letters, digits, _ and -, starting with a letter", found: shown(name) });
    if (isSpecInput(name)) out.push({ subject, key: "(name)", expected: `a name other than the SPEC inputs (${TOPIC_KINDS.join(", ")}), which need no declaration`, found: shown(name) });
    if (!isObject(spec)) {
      out.push({ subject, key: "(value)", expected: "an object { topic, time, fields, required }", found: shown(spec) });
      continue;
    }
    unknownKeys(spec, INPUT_KEYS, subject, "", out);
    const topic = spec.topic === undefined ? name : spec.topic;
    if (typeof topic !== "string" || !TOPIC.test(topic) || topic === "." || topic === "..") {
      out.push({ subject, key: "topic", expected: "a Kafka topic name (letters, digits, '.', '_', '-')", found: shown(spec.topic) });
    } else if (isSpecInput(topic)) {
      out.push({ subject, key: "topic", expected: `a topic other than the SPEC topics (${TOPIC_KINDS.join(", ")}); metrics over those use "from": "${topic}"`, found: shown(topic) });
    } else if (topics.has(topic)) {
      out.push({ subject, key: "topic", expected: `a topic no other input reads (input '${topics.get(topic)}' reads it)`, found: shown(topic) });
    } else topics.set(topic, name);
    const fields = new Map<string, ReturnType<typeof fieldRef>>();
    if (!isObject(spec.fields) || Object.keys(spec.fields).length === 0) {
      out.push({ subject, key: "fields", expected: 'an object of field path → "string" | "number" | "boolean", with at least one field', found: shown(spec.fields) });
    } else {
      for (const [path, type] of Object.entries(spec.fields)) {
        if (!isPath(path)) out.push({ subject, key: `fields.${path}`, expected: "a dot-separated field path such as user.id", found: shown(path) });
        else if (!FIELD_TYPES.includes(type as FieldType)) out.push({ subject, key: `fields.${path}`, expected: 'a type: "string", "number" or "boolean"', found: shown(type) });
        else fields.set(path, fieldRef(path, type as FieldType));
      }
    }
    if (!isPath(spec.time)) out.push({ subject, key: "time", expected: "the field path of the event time (epoch ms or ISO-8601 with a zone), e.g. meta.created_at", found: shown(spec.time) });
    else if (fields.has(spec.time) && fields.get(spec.time)!.type === "boolean") {
      out.push({ subject, key: "time", expected: "a time field (epoch ms number or ISO-8601 string)", found: `field '${spec.time}' declared boolean` });
    }
    const required: string[] = [];
    if (spec.required !== undefined) {
      if (!Array.isArray(spec.required)) out.push({ subject, key: "required", expected: "a list of declared field paths", found: shown(spec.required) });
      else {
        for (const p of spec.required) {
          // A declared path whose type was refused is already reported: no second message for it.
          if (typeof p === "string" && !fields.has(p) && isObject(spec.fields) && p in spec.fields) continue;
          if (typeof p !== "string" || !fields.has(p)) {
            out.push({ subject, key: "required", expected: `paths declared in fields (${[...fields.keys()].join(", ")})`, found: shown(p) });
          } else if (!required.includes(p)) required.push(p);
        }
      }
    }
    if (out.length > before) continue;
    const time = fields.get(spec.time as string) ?? fieldRef(spec.time as string, "number");
    defs.push({ name, topic: topic as string, builtin: false, time, fields, required });
  }
  return defs;
}
