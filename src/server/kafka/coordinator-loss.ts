/**
 * Which kafkajs failures mean "the group coordinator is away for now" — what a broker restart,
 * a leader move of `__consumer_offsets` or a coordinator still loading its groups look like to
 * a consumer. kafkajs retries these inside one lookup, but once that lookup's retries run out it
 * throws KafkaJSGroupCoordinatorNotFound, which it classes as non-retriable and so crashes the
 * consumer without restarting it. The broker usually answers a few seconds later, so the Kafka
 * source reconnects on these instead (as the Java consumer keeps looking for its coordinator).
 */

/** Kafka error codes of a coordinator that moved, is loading or is not elected yet. */
const COORDINATOR_TYPES = new Set([
  "GROUP_COORDINATOR_NOT_AVAILABLE",
  "COORDINATOR_NOT_AVAILABLE",
  "NOT_COORDINATOR_FOR_GROUP",
  "NOT_COORDINATOR",
  "GROUP_LOAD_IN_PROGRESS",
  "COORDINATOR_LOAD_IN_PROGRESS",
]);

/** True when `err`, or any error in its `cause` chain, is a lost or not yet available group coordinator. */
export function isCoordinatorLoss(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 10; e = (e as Error & { cause?: unknown }).cause, depth++) {
    if (e.name === "KafkaJSGroupCoordinatorNotFound") return true;
    const type = (e as Error & { type?: unknown }).type;
    if (typeof type === "string" && COORDINATOR_TYPES.has(type)) return true;
  }
  return false;
}
