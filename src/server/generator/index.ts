/**
 * eddy's event generator, for in-process use (the web console's embedded source, tests):
 * `generate(options, target)` runs a paced loop into a target; `EventSource` yields records
 * synchronously when the caller does its own pacing.
 */
export { generate, GenerateError, MAX_USERS, MAX_WALL_RATE, planGeneration, summaryLine, type GenerateHooks, type GenerateOptions, type GeneratePlan, type GenerateSummary } from "./run";
export { ACCELERATED_RUN_MS, EventClock } from "./event-clock";
export { EventSource, jsonlLine, type GeneratedRecord, type SourceCounts, type SourceOptions } from "./source";
export { ManualClock, Pacer, systemClock, type Clock } from "./pacer";
export { MemoryTarget, type Target, type TargetStats } from "./target";
export { JsonlTarget } from "./jsonl-target";
export { KafkaTarget, type KafkaTargetOptions } from "./kafka-target";
export { INVALID_KINDS, type InvalidKind } from "./inject";
export { EVENTS_PER_USER_HOUR, MODEL, usersForRate } from "./model";
