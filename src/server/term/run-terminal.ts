/**
 * How `eddy run` talks to whoever watches it. With stdout on a terminal: a status line refreshed
 * in place, console blocks printed above it, and (with `--log-format auto|text`) warnings and
 * errors as readable lines and a readable summary at exit. Otherwise: JSON log lines on stderr,
 * plain console blocks each ending with a status line, and the summary as the final JSON `done`
 * line. `--log-format json|text` picks the log form whatever stdout is.
 */
import type { MetricRegistry } from "../../core/metrics/registry";
import type { RunStats } from "../runner/run-stats";
import { ConsoleSink } from "../sinks/console-sink";
import { createLogger, type LogFn, type Logger, type LogFormatFlag, resolveLogFormat } from "../log";
import { wantsColor } from "./ansi";
import { describeOutputs, formatExitSummary, type OutputSettings, type StopReason } from "./exit-summary";
import { TimeZone } from "./format";
import { LiveLine, type TerminalOut } from "./live-line";
import { formatStatus, type StatusInput, statusSampler } from "./run-status";

/** The settings it uses (a subset of the run config). */
export interface TerminalSettings extends OutputSettings {
  logFormat: LogFormatFlag;
  consoleTop: number;
}

/** The process streams (injectable for tests). */
export interface TerminalStreams {
  stdout: TerminalOut & { isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** See the module comment. */
export class RunTerminal {
  readonly logger: Logger;
  private readonly zone = new TimeZone();
  private readonly tty: boolean;
  private live: LiveLine | undefined;

  constructor(
    private readonly cfg: TerminalSettings,
    private readonly io: TerminalStreams = { stdout: process.stdout, stderr: process.stderr },
  ) {
    this.tty = io.stdout.isTTY === true;
    this.logger = createLogger({
      format: resolveLogFormat(cfg.logFormat, this.tty),
      out: io.stderr,
      zone: this.zone,
      around: (write) => (this.live ? this.live.above(write) : write()),
    });
  }

  /** The log callback for the runner and the run command (level in `fields.level`). */
  get log(): LogFn {
    return this.logger.log;
  }

  /**
   * The console sink: on a terminal, its blocks go above the live status line; otherwise each
   * block ends with a status line of its own, since nothing else shows progress there.
   */
  consoleSink(input: StatusInput, registry?: MetricRegistry): ConsoleSink {
    const top = this.cfg.consoleTop;
    const out = this.io.stdout;
    if (this.tty) {
      const write = (text: string) => (this.live ? this.live.above(() => out.write(text)) : out.write(text));
      return new ConsoleSink({ out: { write, isTTY: true }, top, zone: this.zone, color: wantsColor(out), registry });
    }
    const sample = statusSampler(input);
    return new ConsoleSink({
      out,
      top,
      zone: this.zone,
      color: false,
      registry,
      status: () => {
        const s = sample();
        return s && formatStatus(s, this.zone);
      },
    });
  }

  /** Starts the live status line (a terminal only). */
  startStatus(input: StatusInput): void {
    if (!this.tty || this.live) return;
    const sample = statusSampler(input);
    this.live = new LiveLine(this.io.stdout, () => {
      const s = sample();
      return s ? formatStatus(s, this.zone) : "▶ starting…";
    });
    this.live.start(1000);
  }

  /** Removes the live status line (before an error is printed or the summary). */
  stopStatus(): void {
    this.live?.stop();
    this.live = undefined;
  }

  /** The exit summary: readable text, or the final JSON `done` line. */
  finish(stats: RunStats, seconds: number, reason: StopReason): void {
    this.stopStatus();
    const outputs = describeOutputs(this.cfg);
    if (this.logger.format === "text") {
      this.logger.write(formatExitSummary(stats, seconds, reason, outputs, wantsColor(this.io.stderr)));
      return;
    }
    this.log("done", {
      seconds,
      reason,
      eventsIn: stats.eventsIn,
      valid: stats.valid,
      invalid: stats.invalid,
      late: stats.late,
      rowsOut: stats.rowsOut,
      eventsPerSecond: Math.round(stats.eventsIn / Math.max(seconds, 1e-3)),
      outputs,
    });
  }
}
