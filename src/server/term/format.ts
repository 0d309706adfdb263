/**
 * Number and time formatting for people at a terminal: thousands separators, money with two
 * decimals, ratios as percentages, and times in a named time zone (the machine's by default) so a
 * reader never has to guess whether `10:42` is UTC. Machine outputs (files, Kafka, JSON logs) keep
 * ISO-8601 UTC; only the console and the status line use this.
 */

const LOCALE = "en-US";
const INT = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const MONEY = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const PCT = new Intl.NumberFormat(LOCALE, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
const NUM = new Intl.NumberFormat(LOCALE, { maximumSignificantDigits: 4 });

/** `1234567` → `1,234,567` (rounded). */
export function formatInt(n: number): string {
  return Number.isFinite(n) ? INT.format(n) : String(n);
}

/** Currency units with two decimals: `1234.5` → `1,234.50`. */
export function formatMoney(units: number): string {
  return Number.isFinite(units) ? MONEY.format(units) : String(units);
}

/** A ratio as a percentage: `0.1234` → `12.3%`. */
export function formatPercent(ratio: number): string {
  return Number.isFinite(ratio) ? PCT.format(ratio) : String(ratio);
}

/** Any other number, four significant digits: `3.14159` → `3.142`, `12345.6` → `12,350`. */
export function formatNumber(n: number): string {
  return Number.isFinite(n) ? NUM.format(n) : String(n);
}

/** A duration for people: `850 ms`, `12.3 s`, `4m 05s`, `2h 03m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
}

/**
 * Times of one time zone (an IANA name; the machine's zone, which honours `TZ`, when absent),
 * with the zone's name for labels: its abbreviation where one is in use (`CET`, `EST`, `UTC`),
 * else its offset (`UTC+05:30`), taken at the instant shown so daylight saving time is right.
 */
export class TimeZone {
  readonly id: string;
  private readonly clock: Intl.DateTimeFormat;
  private readonly date: Intl.DateTimeFormat;
  private readonly shortUS: Intl.DateTimeFormat;
  private readonly shortGB: Intl.DateTimeFormat;
  private readonly offset: Intl.DateTimeFormat;

  constructor(id?: string) {
    // Throws RangeError on an unknown zone, which is what a caller passing a bad name needs.
    this.id = id ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
    const tz = { timeZone: this.id };
    this.clock = new Intl.DateTimeFormat(LOCALE, { ...tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    this.date = new Intl.DateTimeFormat("en-CA", { ...tz, year: "numeric", month: "2-digit", day: "2-digit" }); // yyyy-mm-dd
    this.shortUS = new Intl.DateTimeFormat("en-US", { ...tz, timeZoneName: "short" });
    this.shortGB = new Intl.DateTimeFormat("en-GB", { ...tz, timeZoneName: "short" });
    this.offset = new Intl.DateTimeFormat("en-US", { ...tz, timeZoneName: "longOffset" });
  }

  /** The zone's name at instant `ms`: `CET`, `CEST`, `EST`, `UTC`, or `UTC+05:30`. */
  name(ms: number): string {
    // en-US knows the American abbreviations, en-GB the European ones; either gives `GMT+1` when it
    // has none, and then the numeric offset is clearer than a made-up name.
    for (const f of [this.shortUS, this.shortGB]) {
      const n = part(f, ms, "timeZoneName");
      if (!/^GMT[+-]/.test(n)) return n;
    }
    const off = part(this.offset, ms, "timeZoneName"); // GMT+05:30, or GMT for +00:00
    return off === "GMT" ? "UTC" : off.replace(/^GMT/, "UTC");
  }

  /** `yyyy-mm-dd` of `ms` in this zone. */
  day(ms: number): string {
    return this.date.format(ms);
  }

  /** `HH:MM:SS`, or `HH:MM` when `short` and the seconds are zero. */
  clockTime(ms: number, short = false): string {
    const t = this.clock.format(ms);
    return short && t.endsWith(":00") ? t.slice(0, -3) : t;
  }

  /** `HH:MM:SS` prefixed with the day when it is not the day of `now`. */
  time(ms: number, now = Date.now()): string {
    const t = this.clockTime(ms);
    return this.day(ms) === this.day(now) ? t : `${this.day(ms)} ${t}`;
  }

  /**
   * A window `[start, end)`: `10:41–10:42`, with seconds only when a bound has them, and the day
   * when the window does not start on the day of `now`.
   */
  window(start: number, end: number, now = Date.now()): string {
    const short = start % 60_000 === 0 && end % 60_000 === 0;
    const a = this.clockTime(start, short);
    const b = this.clockTime(end, short);
    const range = `${a}–${b}`;
    return this.day(start) === this.day(now) ? range : `${this.day(start)} ${range}`;
  }
}

function part(f: Intl.DateTimeFormat, ms: number, type: Intl.DateTimeFormatPartTypes): string {
  return f.formatToParts(ms).find((p) => p.type === type)?.value ?? "";
}
