/**
 * Terminal styling, used only when the stream is a terminal that wants it: a pipe or a file gets
 * plain text, and so does anyone who sets NO_COLOR (https://no-color.org) or TERM=dumb.
 */

/** Whether to style text written to `stream`. */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
}

/** Text styles; identity functions when `on` is false, so callers never branch on colour. */
export interface Styles {
  bold(s: string): string;
  dim(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  cyan(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const plain = (s: string) => s;

/** Styles for a terminal (`on`) or for plain text. */
export function styles(on: boolean): Styles {
  if (!on) return { bold: plain, dim: plain, yellow: plain, red: plain, cyan: plain };
  return { bold: wrap(1, 22), dim: wrap(2, 22), yellow: wrap(33, 39), red: wrap(31, 39), cyan: wrap(36, 39) };
}

/** Erases the current terminal line and returns the cursor to its start. */
export const CLEAR_LINE = "\r\x1b[K";
