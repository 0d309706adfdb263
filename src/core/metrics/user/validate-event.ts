/**
 * Validation of a declared input's message (SPEC "User-defined metrics"): a JSON object whose
 * time field is epoch ms or ISO-8601 with a zone and whose required fields are present with
 * their declared types. Anything else is invalid and goes to `<topic>.dlq` with the reason, like
 * an invalid SPEC event; optional fields of another type only count as missing.
 *
 * A declared string field (required or not) is bounded like an id, at {@link MAX_ID_BYTES} of
 * UTF-8: its values become dictionary keys, group keys, Kafka keys and, in the web console, frame
 * strings, so one huge value would cost everywhere it is held. Such a message is invalid.
 */
import { type FutureBound, futureError, MAX_ID_BYTES, tooLong } from "../../event-limits";
import { parseMessage, timestampError, type Validation } from "../../events";
import type { InputDef } from "./definition";

function at(o: unknown, parts: readonly string[]): unknown {
  let v = o;
  for (const p of parts) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

/** Validates one raw message of a declared input. */
export function validateDeclared(input: InputDef, raw: string | Uint8Array, opts?: { future?: FutureBound }): Validation<Record<string, unknown>> {
  const m = parseMessage(raw);
  if (!m.ok) return m;
  const value = m.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: `not a JSON object (got ${typeName(value)})` };
  const tv = at(value, input.time.parts);
  if (tv === undefined || tv === null) return { ok: false, reason: `missing time field '${input.time.path}'` };
  const t = timestampError(tv);
  if (typeof t === "string") return { ok: false, reason: `time field '${input.time.path}': ${t}` };
  // The same allowed future skew as SPEC inputs: one far-future event must not poison the watermark.
  const ahead = opts?.future && futureError(t, opts.future);
  if (ahead) return { ok: false, reason: ahead, future: true };
  for (const path of input.required) {
    const f = input.fields.get(path)!;
    const v = at(value, f.parts);
    if (v === undefined || v === null) return { ok: false, reason: `missing required field '${path}'` };
    if (typeof v !== f.type || (f.type === "number" && !Number.isFinite(v))) return { ok: false, reason: `required field '${path}' must be a ${f.type}, got ${typeName(v)}` };
  }
  for (const f of input.fields.values()) {
    if (f.type !== "string") continue;
    const v = at(value, f.parts);
    const long = typeof v === "string" ? tooLong(f.path, v, MAX_ID_BYTES) : undefined;
    if (long) return { ok: false, reason: long };
  }
  return { ok: true, event: value as Record<string, unknown>, t };
}
