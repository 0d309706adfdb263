/**
 * Streams a file as lines without loading it: fixed-size chunk reads, split on `\n` (a trailing
 * `\r` is dropped), so memory stays bounded by the chunk size plus the longest line.
 */
import { open, type FileHandle } from "node:fs/promises";

/** One line and the byte offset just after it (its newline included). */
export interface Line {
  text: string;
  end: number;
}

/** Pull-based reader of the lines of a file, from byte 0. */
export class LineReader {
  private fh: FileHandle | undefined;
  private readonly chunk: Buffer;
  private carry: Buffer = Buffer.alloc(0);
  private filePos = 0;
  private eof = false;
  private readonly decoder = new TextDecoder("utf-8");
  private ready: Line[] = [];
  private readyAt = 0;
  /** Size of the file when opened (for progress). */
  size = 0;

  constructor(
    readonly path: string,
    chunkBytes = 1 << 20,
  ) {
    this.chunk = Buffer.allocUnsafe(chunkBytes);
  }

  async open(): Promise<void> {
    this.fh = await open(this.path, "r");
    this.size = (await this.fh.stat()).size;
  }

  /** Bytes consumed so far: the end of the last line returned. */
  position = 0;

  /** The next line, or null at the end of the file. */
  async next(): Promise<Line | null> {
    while (this.readyAt >= this.ready.length) {
      if (this.eof) return null;
      await this.fill();
    }
    const line = this.ready[this.readyAt++];
    this.position = line.end;
    return line;
  }

  private async fill(): Promise<void> {
    const { bytesRead } = await this.fh!.read(this.chunk, 0, this.chunk.length, this.filePos);
    const base = this.filePos - this.carry.length;
    this.ready = [];
    this.readyAt = 0;
    if (bytesRead === 0) {
      this.eof = true;
      if (this.carry.length > 0) {
        // A last line without a newline is still a line.
        this.ready.push({ text: this.decode(this.carry), end: base + this.carry.length });
        this.carry = Buffer.alloc(0);
      }
      return;
    }
    this.filePos += bytesRead;
    const data = this.carry.length ? Buffer.concat([this.carry, this.chunk.subarray(0, bytesRead)]) : this.chunk.subarray(0, bytesRead);
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      const line = data.subarray(start, nl > start && data[nl - 1] === 13 ? nl - 1 : nl);
      this.ready.push({ text: this.decode(line), end: base + nl + 1 });
      start = nl + 1;
    }
    // Copy: the chunk buffer is reused by the next read.
    this.carry = Buffer.from(data.subarray(start));
  }

  private decode(b: Uint8Array): string {
    return this.decoder.decode(b);
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}
