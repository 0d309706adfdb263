/**
 * Which user-metric fields a version-2 frame carries as field columns (docs/frames.md). The
 * gateway and the browser derive the same numbered list from the same metric definitions, so a
 * column names its field by number. A field is carried when some selected metric reads it (in
 * `where`, `groupBy` or an aggregate) and the frame's own columns do not already hold it: every
 * used field of a declared input, and of the SPEC inputs only those version 1 never sent
 * (`event_id`, `session_id`, `browser`, `currency`).
 */
import type { FieldRef, FieldType, UserMetrics } from "../metrics/user/definition";
import { pipelineInputs } from "../pipeline/lanes";
import { FIELD_BOOLEAN, FIELD_NUMBER, FIELD_STRING } from "./format";

/**
 * SPEC fields the version-1 columns already hold: as a batch column the pipeline's user metrics
 * read directly (user_id, product_id, category, url, action), or derived from one (timestamp = t,
 * amount = cents, device = the device code, transaction_id / order_id = the id column).
 */
export const SPEC_FIELDS_IN_COLUMNS: readonly string[] = ["user_id", "product_id", "category", "url", "action", "timestamp", "amount", "device", "transaction_id", "order_id"];

/** One carried field: its number (`index`), the topic code of its input, and its path and type. */
export interface FrameField {
  index: number;
  /** Topic code of the input (the pipeline's batch code: SPEC 0–2, declared inputs from 3). */
  code: number;
  input: string;
  field: FieldRef;
}

/** The column type of a field type. */
export function fieldColumnType(t: FieldType): number {
  return t === "string" ? FIELD_STRING : t === "number" ? FIELD_NUMBER : FIELD_BOOLEAN;
}

/** The fields frames carry for `user`, numbered in metric order (where, groupBy, aggregates). */
export function frameFields(user: UserMetrics): FrameField[] {
  const codes = new Map(pipelineInputs(user.inputs).map((i) => [i.name, i.code]));
  const out: FrameField[] = [];
  const seen = new Set<string>();
  for (const m of user.metrics) {
    const used = [...m.where.map((c) => c.field), ...m.groupBy, ...m.aggregates.flatMap((a) => (a.field ? [a.field] : []))];
    for (const field of used) {
      if (m.input.builtin && SPEC_FIELDS_IN_COLUMNS.includes(field.path)) continue;
      const key = `${m.input.name}\u0000${field.path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ index: out.length, code: codes.get(m.input.name)!, input: m.input.name, field });
    }
  }
  return out;
}
