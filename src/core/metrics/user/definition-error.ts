/**
 * Why a metrics file was refused: each problem names the metric (or input), the key, what was
 * expected and what was found, so the fix is obvious without reading SPEC.
 */

/** One mistake in a metrics file. */
export interface DefinitionProblem {
  /** `metric 'name'`, `input 'name'`, or `file`. */
  subject: string;
  /** Dotted key inside the subject, e.g. `window.sliding` or `aggregates.revenue.field`. */
  key: string;
  expected: string;
  found: string;
}

/** Renders a found value briefly: JSON, cut at 60 characters; `nothing` when absent. */
export function shown(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** A refused metrics file (the CLI exits with code 2 and prints the message). */
export class DefinitionError extends Error {
  override name = "DefinitionError";
  /** Process exit code for a refused definition: a usage error. */
  readonly exitCode = 2;

  constructor(
    readonly source: string,
    readonly problems: DefinitionProblem[],
  ) {
    super(DefinitionError.render(source, problems));
  }

  private static render(source: string, problems: DefinitionProblem[]): string {
    const lines = problems.map((p) => `  ${p.subject}, key '${p.key}': expected ${p.expected}, found ${p.found}`);
    const head = problems.length === 1 ? `${source}: a metric definition is wrong:` : `${source}: ${problems.length} metric definition problems:`;
    return `${head}\n${lines.join("\n")}`;
  }
}
