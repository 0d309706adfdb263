/**
 * Reads a metrics file (SPEC "User-defined metrics") into validated {@link UserMetrics}, or
 * throws one {@link DefinitionError} listing every problem. Nothing is read from Kafka before
 * this passes, so a typo costs a second, not a half-started job.
 */
import { TOPIC_KINDS } from "../../events";
import type { InputDef, UserMetric, UserMetrics } from "./definition";
import { DefinitionError, type DefinitionProblem, shown } from "./definition-error";
import { specInput } from "./spec-inputs";
import { isObject, unknownKeys, validateInputs } from "./validate-inputs";
import { validateMetric } from "./validate-metric";

/** Options of {@link parseMetrics}. */
export interface ParseOptions {
  /** Names user metrics may not take (the built-in metrics). */
  builtins: readonly string[];
  /** Where the text came from, for messages (a file path). */
  source?: string;
}

/** Validates an already-parsed metrics file object. */
export function resolveMetrics(json: unknown, opts: ParseOptions): UserMetrics {
  const source = opts.source ?? "metrics file";
  const out: DefinitionProblem[] = [];
  if (!isObject(json)) throw new DefinitionError(source, [{ subject: "file", key: "(top level)", expected: "an object { inputs?, metrics }", found: shown(json) }]);
  unknownKeys(json, ["inputs", "metrics"], "file", "", out);
  const declared = validateInputs(json.inputs, out);
  const inputs = new Map<string, InputDef>(TOPIC_KINDS.map((k) => [k, specInput(k)]));
  for (const d of declared) inputs.set(d.name, d);
  const metrics: UserMetric[] = [];
  if (!Array.isArray(json.metrics) || json.metrics.length === 0) {
    out.push({ subject: "file", key: "metrics", expected: "a non-empty list of metrics", found: shown(json.metrics) });
  } else {
    const names = new Set<string>();
    // A metric over a declared input that has problems cannot be checked against it; the input's
    // problems are reported, and "no such input" would send the reader looking in the wrong place.
    const broken = new Set(isObject(json.inputs) ? Object.keys(json.inputs).filter((n) => !inputs.has(n)) : []);
    json.metrics.forEach((m: unknown, i: number) => {
      if (isObject(m) && typeof m.from === "string" && broken.has(m.from)) {
        if (typeof m.name === "string") names.add(m.name);
        return;
      }
      const metric = validateMetric(m, i, inputs, opts.builtins, names, out);
      if (metric) metrics.push(metric);
    });
  }
  if (out.length) throw new DefinitionError(source, out);
  return { inputs: declared, metrics };
}

/** Parses and validates the text of a metrics file. */
export function parseMetrics(text: string, opts: ParseOptions): UserMetrics {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DefinitionError(opts.source ?? "metrics file", [{ subject: "file", key: "(JSON)", expected: "valid JSON (comments are not JSON)", found: (err as Error).message }]);
  }
  return resolveMetrics(json, opts);
}

/**
 * Keeps the metrics named in `only` (built-in or user-defined); an unknown name is a problem
 * that lists the names there are. Returns the user metrics kept and the built-in names kept.
 */
export function selectMetrics(user: UserMetrics, builtins: readonly string[], only: readonly string[] | undefined): { user: UserMetrics; builtins: string[] } {
  if (!only || only.length === 0) return { user, builtins: [...builtins] };
  const all = [...builtins, ...user.metrics.map((m) => m.name)];
  const unknown = only.filter((n) => !all.includes(n));
  if (unknown.length) {
    throw new DefinitionError("--only", unknown.map((n) => ({ subject: "flag --only", key: n, expected: `metric names: ${all.join(", ")}`, found: shown(n) })));
  }
  const metrics = user.metrics.filter((m) => only.includes(m.name));
  const used = new Set(metrics.map((m) => m.input.name));
  return { user: { inputs: user.inputs.filter((i) => used.has(i.name)), metrics }, builtins: builtins.filter((b) => only.includes(b)) };
}
