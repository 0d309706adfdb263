/**
 * The console's one time base: every time axis, tooltip and tile shows event time in the same
 * zone (the browser's, or UTC with `?tz=utc` / the toolbar), and says which.
 */

/** `local` (the browser's zone) or `utc`. */
export type Zone = "local" | "utc";

/** Formats and labels instants in one zone. */
export interface TimeBase {
  zone: Zone;
  /** "Europe/Berlin, UTC+01:00" or "UTC". */
  label: string;
  /** Short zone name for values: "UTC+01:00" or "UTC". */
  short: string;
  /** Plot's x scale type for this zone. */
  plotType: "time" | "utc";
  /** "2026-01-01 10:14:32 UTC+01:00" (the whole timestamp, with its zone). */
  full(t: number): string;
  /** "10:14:32". */
  clock(t: number): string;
  /** "10:14". */
  minute(t: number): string;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** UTC offset of the browser's zone at `t`, as "UTC+01:00". */
export function offsetLabel(t: number): string {
  const m = -new Date(t).getTimezoneOffset();
  const sign = m < 0 ? "-" : "+";
  const a = Math.abs(m);
  return `UTC${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** The time base of `zone`, labelled for instants around `now`. */
export function timeBase(zone: Zone, now = Date.now()): TimeBase {
  const utc = zone === "utc";
  const parts = (t: number) => {
    const d = new Date(t);
    return utc
      ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
      : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  };
  const short = utc ? "UTC" : offsetLabel(now);
  let name = "";
  try {
    name = Intl.DateTimeFormat().resolvedOptions().timeZone ?? "";
  } catch {
    // Older engines: the offset alone names the zone.
  }
  const label = utc ? "UTC" : name && name !== "UTC" ? `${name}, ${short}` : short;
  return {
    zone,
    label,
    short,
    plotType: utc ? "utc" : "time",
    full(t) {
      if (!Number.isFinite(t)) return "–";
      const [y, mo, d, h, mi, s] = parts(t);
      return `${y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)} ${utc ? "UTC" : offsetLabel(t)}`;
    },
    clock(t) {
      if (!Number.isFinite(t)) return "–";
      const [, , , h, mi, s] = parts(t);
      return `${pad(h)}:${pad(mi)}:${pad(s)}`;
    },
    minute(t) {
      if (!Number.isFinite(t)) return "–";
      const [, , , h, mi] = parts(t);
      return `${pad(h)}:${pad(mi)}`;
    },
  };
}
