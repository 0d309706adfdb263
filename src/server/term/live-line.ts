/**
 * A status line kept at the bottom of a terminal and rewritten in place (`\r`, erase line). Other
 * output goes through {@link LiveLine.above}, which erases the line, lets the text through and
 * draws the line again, so printed blocks and log lines never end up glued to a half status.
 */
import { CLEAR_LINE } from "./ansi";

/** A terminal stream (process.stdout). */
export interface TerminalOut {
  write(text: string): unknown;
  /** Width in characters; the line is cut to it so that it never wraps (a wrapped line cannot be rewritten). */
  columns?: number;
}

/** See the module comment. */
export class LiveLine {
  private shown = false;
  /** The last rendered text, redrawn after output so that the rate sampled by `render` keeps its interval. */
  private last: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** `render` gives the current line (undefined: nothing to show yet). */
  constructor(
    private readonly out: TerminalOut,
    private readonly render: () => string | undefined,
  ) {}

  /** Draws now and then every `intervalMs`, without keeping the process alive. */
  start(intervalMs = 1000): void {
    this.draw();
    this.timer = setInterval(() => this.draw(), intervalMs);
    this.timer.unref();
  }

  /** Rewrites the line with the current status. */
  draw(): void {
    this.last = this.render() ?? this.last;
    this.paint();
  }

  private paint(): void {
    const text = this.last;
    if (text === undefined) return;
    // A pseudo-terminal without a size reports 0 columns.
    const width = Math.max(10, (this.out.columns || 80) - 1);
    const line = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    this.out.write(CLEAR_LINE + line);
    this.shown = true;
  }

  /** Runs `write` (which prints whole lines) with the status line out of the way, then redraws it. */
  above(write: () => void): void {
    if (this.shown) this.out.write(CLEAR_LINE);
    this.shown = false;
    write();
    if (this.timer) this.paint();
  }

  /** Stops refreshing and erases the line. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.out.write(CLEAR_LINE);
    this.shown = false;
  }
}
