/**
 * The SPEC inputs as user-defined metrics see them: each topic kind's fields with their types
 * (SPEC "Input topics and event shapes"), and the closed value sets some fields have, so a
 * definition that filters on `action: "purchase"` is refused instead of silently matching nothing.
 */
import { ACTIONS, DEVICES, TOPIC_KINDS, type TopicKind } from "../../events";
import type { FieldRef, FieldType, InputDef } from "./definition";

const S = "string" as const;
const N = "number" as const;

// `timestamp` is the event time in epoch ms whatever its written form, so it reads as a number.
const FIELDS: Record<TopicKind, Record<string, FieldType>> = {
  clickstream: { event_id: S, user_id: S, product_id: S, action: S, timestamp: N, category: S, url: S, session_id: S, device: S, browser: S },
  transactions: { transaction_id: S, user_id: S, product_id: S, amount: N, timestamp: N, category: S, currency: S },
  orders: { order_id: S, user_id: S, product_id: S, amount: N, timestamp: N },
};

const REQUIRED: Record<TopicKind, string[]> = {
  clickstream: ["event_id", "user_id", "product_id", "action", "timestamp"],
  transactions: ["transaction_id", "user_id", "product_id", "amount", "timestamp"],
  orders: ["order_id", "user_id", "product_id", "amount", "timestamp"],
};

/** Fields whose values SPEC restricts to a list (a value outside it can never match). */
export const CLOSED_VALUES: Readonly<Record<string, readonly string[]>> = { action: ACTIONS, device: DEVICES };

/** A field reference for a path of `type`. */
export function fieldRef(path: string, type: FieldType): FieldRef {
  return { path, parts: path.split("."), type };
}

/** The input definition of a SPEC topic kind. */
export function specInput(kind: TopicKind): InputDef {
  const fields = new Map(Object.entries(FIELDS[kind]).map(([p, t]) => [p, fieldRef(p, t)]));
  return { name: kind, topic: kind, builtin: true, time: fields.get("timestamp")!, fields, required: REQUIRED[kind] };
}

/** True when `name` is a SPEC topic kind. */
export function isSpecInput(name: string): name is TopicKind {
  return (TOPIC_KINDS as readonly string[]).includes(name);
}
