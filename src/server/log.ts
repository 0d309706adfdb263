/**
 * Logging of the server commands. Every message is an event name and fields, rendered either as a
 * JSON line (for machines and log collectors: everything, one object per line) or as readable
 * text (for someone at a terminal: warnings and errors, and the few info events worth reading;
 * routine progress such as each checkpoint is left out). Both go to stderr: stdout carries the
 * console sink's rows.
 */
import { styles, wantsColor } from "./term/ansi";
import { TimeZone } from "./term/format";

/** Severity of a log event. */
export type LogLevel = "info" | "warn" | "error";

/**
 * A log callback: `log(event, fields)`. The level travels in `fields.level` (`"info"` when absent
 * or not a {@link LogLevel}), so any code holding only this callback, such as the runner, can
 * raise one: `log("late", { level: "warn", msg: "most events are late: …" })`. `fields.msg`, when
 * present, is the sentence a person reads; the other fields are the data.
 */
export type LogFn = (event: string, fields?: Record<string, unknown>) => void;

/** `--log-format`: `auto` is text when stdout is a terminal, JSON otherwise. */
export const LOG_FORMATS = ["auto", "json", "text"] as const;
export type LogFormatFlag = (typeof LOG_FORMATS)[number];
export type LogFormat = Exclude<LogFormatFlag, "auto">;

/** The format `flag` means for a process whose stdout is (`tty`) or is not a terminal. */
export function resolveLogFormat(flag: LogFormatFlag, tty: boolean): LogFormat {
  return flag === "auto" ? (tty ? "text" : "json") : flag;
}

/** Info events not shown in text form: the runner's per-checkpoint line. */
export const ROUTINE_EVENTS: ReadonlySet<string> = new Set(["checkpoint"]);

/** The level of an event's fields. */
export function levelOf(fields: Record<string, unknown> = {}): LogLevel {
  const l = fields.level;
  return l === "warn" || l === "error" ? l : "info";
}

/** The JSON line of an event (no trailing newline); `fields.level` overrides the default `info`. */
export function jsonLine(event: string, fields: Record<string, unknown> = {}, now = Date.now()): string {
  return JSON.stringify({ ts: new Date(now).toISOString(), level: "info", event, ...fields });
}

function brief(v: unknown): string {
  // Strings with spaces are quoted so that `k=v` pairs stay apart.
  const s = typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

/** The text line of an event (no trailing newline): `10:42:05 warning restart: msg (k=v k=v)`. */
export function textLine(event: string, fields: Record<string, unknown> = {}, zone = new TimeZone(), now = Date.now(), color = false): string {
  const style = styles(color);
  const level = levelOf(fields);
  const { level: _l, msg, ...rest } = fields;
  const data = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${brief(v)}`)
    .join(" ");
  const label = level === "error" ? style.red("error ") : level === "warn" ? style.yellow("warning ") : "";
  const text = msg !== undefined ? `${String(msg)}${data ? style.dim(` (${data})`) : ""}` : data;
  return `${style.dim(zone.clockTime(now))} ${label}${event}${text ? `: ${text}` : ""}`;
}

/** Where a logger writes (process.stderr). */
export interface LogOut {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  format: LogFormat;
  /** Default process.stderr. */
  out?: LogOut;
  /** Style text lines (default: when `out` is a terminal that wants colour). */
  color?: boolean;
  /** Wraps each write (a live status line steps aside for it). */
  around?: (write: () => void) => void;
  /** Info events left out of text form (default {@link ROUTINE_EVENTS}). */
  routine?: ReadonlySet<string>;
  zone?: TimeZone;
  now?: () => number;
}

/** A {@link LogFn} with level shorthands; `format` says how it renders. */
export interface Logger {
  readonly format: LogFormat;
  readonly log: LogFn;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  /** Writes text as is (a summary), through the same stream and `around`. */
  write(text: string): void;
}

/** A logger writing `o.format` lines to `o.out`. */
export function createLogger(o: LoggerOptions): Logger {
  const out = o.out ?? process.stderr;
  const color = o.color ?? wantsColor(out);
  const routine = o.routine ?? ROUTINE_EVENTS;
  const zone = o.zone ?? new TimeZone();
  const now = o.now ?? Date.now;
  const around = o.around ?? ((w: () => void) => w());
  const write = (text: string) => around(() => out.write(text));
  const log: LogFn = (event, fields = {}) => {
    if (o.format === "json") return write(jsonLine(event, fields, now()) + "\n");
    if (levelOf(fields) === "info" && routine.has(event)) return;
    write(textLine(event, fields, zone, now(), color) + "\n");
  };
  return {
    format: o.format,
    log,
    info: (e, f = {}) => log(e, { ...f, level: "info" }),
    warn: (e, f = {}) => log(e, { ...f, level: "warn" }),
    error: (e, f = {}) => log(e, { ...f, level: "error" }),
    write,
  };
}
