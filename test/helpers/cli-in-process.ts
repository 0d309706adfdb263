/**
 * `eddy` run in-process for CLI tests: `main(argv)` with stdout and stderr captured, and the
 * environment's KAFKA_BROKERS hidden, so that help, refusals and usage errors never depend on a
 * broker being configured (and nothing is contacted by accident).
 */
import { afterEach, beforeEach, vi } from "vitest";
import { main } from "../../src/server/cli";

/** What one in-process run printed and returned. */
export interface CliResult {
  code: number;
  /** console.log lines, each ending in a newline. */
  out: string;
  /** console.error lines and direct writes to stderr. */
  err: string;
  ms: number;
}

/** Runs `main(argv)`, capturing console.log (out) and console.error plus stderr writes (err). */
export async function runCli(...argv: string[]): Promise<CliResult> {
  let out = "";
  let err = "";
  const spies = [
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void (out += a.join(" ") + "\n")),
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void (err += a.join(" ") + "\n")),
    vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => ((err += String(c)), true)),
  ];
  const t0 = Date.now();
  try {
    const code = await main(argv);
    return { code, out, err, ms: Date.now() - t0 };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

/** Hides KAFKA_BROKERS from every test of the calling file (restored after each). */
export function withoutBrokerEnv(): void {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.KAFKA_BROKERS;
    delete process.env.KAFKA_BROKERS;
  });
  afterEach(() => {
    if (saved !== undefined) process.env.KAFKA_BROKERS = saved;
  });
}
