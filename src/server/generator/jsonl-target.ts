/**
 * JSONL file target: one `{"topic": …, "key": …, "value": …}` line per record, in production
 * order. `value` is the event object, or for an injected malformed message the raw text as a
 * JSON string. Path `-` writes to stdout.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { jsonlLine, type GeneratedRecord } from "./source";
import type { Target, TargetStats } from "./target";

/** Writes records to a JSONL file with back-pressure. */
export class JsonlTarget implements Target {
  readonly stats: TargetStats = { delivered: 0, errors: 0, retries: 0 };
  private out: WriteStream | NodeJS.WriteStream | undefined;
  private failure: Error | undefined;

  constructor(readonly path: string) {}

  async open(): Promise<void> {
    if (this.path === "-") {
      this.out = process.stdout;
      return;
    }
    const out = createWriteStream(this.path);
    out.on("error", (err) => (this.failure ??= new Error(`cannot write ${this.path}: ${err.message}`)));
    await Promise.race([
      once(out, "open"),
      once(out, "error").then(() => Promise.reject(this.failure)),
    ]);
    this.out = out;
  }

  async write(records: GeneratedRecord[]): Promise<void> {
    if (this.failure) throw this.failure;
    let text = "";
    for (const r of records) text += jsonlLine(r) + "\n";
    const ok = this.out!.write(text);
    this.stats.delivered += records.length;
    if (!ok) await once(this.out!, "drain");
    if (this.failure) throw this.failure;
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    const out = this.out;
    this.out = undefined;
    if (!out || out === process.stdout) return;
    await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
    if (this.failure) throw this.failure;
  }
}
