/**
 * `--input FILE.jsonl`: a bounded source reading the generator's record format, one
 * `{"topic": …, "key": …, "value": …}` per line, streamed (never loaded whole).
 *
 * Offsets follow Kafka's model with one partition per topic: a record's offset is its 0-based
 * index among the file's records of the same topic, and {@link Positions} hold, per `topic:0`,
 * the number of that topic's records already returned. The file is read in order, so the
 * consumed records are always a prefix of the file; `start(from)` reads the file again from the
 * top and skips the first `from[topic:0]` records of each topic, which is exactly that prefix
 * (restart costs one scan of the consumed part, and the checkpoint stays free of file-specific
 * byte offsets).
 *
 * A line in the generator's exact layout is split without parsing its event (the pipeline parses
 * and validates it once, and a DLQ record keeps the producer's text); so a value that is not
 * valid JSON reaches validation as that topic's invalid message. Any other line is parsed whole.
 * A line that is not a valid envelope (not JSON, no string `topic`, no `value`) never stops the
 * run: it becomes a record whose value is the raw line, so validation sends it to the DLQ. It is
 * attributed to the topic it names when that can still be read from the text, else to
 * {@link MALFORMED_TOPIC}. Blank lines are not records.
 */
import type { Positions, Source, SourceRecord } from "../io/types";
import { positionKey } from "../io/types";
import { ConfigError } from "../io/config-errors";
import { LineReader } from "./line-reader";

/** Topic of malformed lines that name no readable topic. */
export const MALFORMED_TOPIC = "_malformed";

/** Options of {@link FileSource}. */
export interface FileSourceOptions {
  path: string;
  /** Topics to read (default all); other topics' records are skipped, like unsubscribed topics. */
  topics?: readonly string[];
  /** Topic for malformed lines naming none (default {@link MALFORMED_TOPIC}). */
  malformedTopic?: string;
  /** Read-buffer size in bytes (default 1 MiB). */
  chunkBytes?: number;
  /** Wall clock for `readAt` (tests). */
  now?: () => number;
}

interface Envelope {
  topic: string;
  key: string | null;
  value: string | null;
}

const TOPIC_RE = /"topic"\s*:\s*("(?:[^"\\]|\\.)*")/;

/** Reads the JSON string token starting at `i` (a `"`); returns its value and the index after it. */
function stringToken(line: string, i: number): [string, number] | null {
  if (line.charCodeAt(i) !== 34) return null;
  let j = i + 1;
  let escaped = false;
  for (; j < line.length; j++) {
    const c = line.charCodeAt(j);
    if (c === 92) {
      escaped = true;
      j++;
    } else if (c === 34) break;
  }
  if (j >= line.length) return null;
  if (!escaped) return [line.slice(i + 1, j), j + 1];
  try {
    return [JSON.parse(line.slice(i, j + 1)) as string, j + 1];
  } catch {
    return null;
  }
}

/**
 * The generator's exact layout, `{"topic":T,"key":K,"value":V}`, split without parsing the event:
 * the pipeline parses (and validates) V once, and gets the producer's text unchanged. Null when
 * the line is laid out differently.
 */
function splitGeneratorLine(line: string): Envelope | null {
  const TOPIC = '{"topic":';
  if (!line.startsWith(TOPIC)) return null;
  const topic = stringToken(line, TOPIC.length);
  if (!topic || topic[0] === "" || !line.startsWith(',"key":', topic[1])) return null;
  let i = topic[1] + 7;
  let key: string | null = null;
  if (line.startsWith("null", i)) i += 4;
  else {
    const k = stringToken(line, i);
    if (!k) return null;
    [key, i] = k;
  }
  if (!line.startsWith(',"value":', i)) return null;
  let end = line.length;
  while (end > i && /\s/.test(line[end - 1])) end--;
  if (line.charCodeAt(end - 1) !== 125) return null;
  const text = line.slice(i + 9, end - 1).trim();
  if (text === "null") return { topic: topic[0], key, value: null };
  if (text.startsWith('"')) {
    // A raw (malformed) message, produced as a JSON string: the message is the string's content.
    try {
      const v = JSON.parse(text) as unknown;
      return typeof v === "string" ? { topic: topic[0], key, value: v } : null;
    } catch {
      return null;
    }
  }
  return text === "" ? null : { topic: topic[0], key, value: text };
}

/** Parses one line into a record envelope, or returns null when it is not one. */
export function parseEnvelope(line: string): Envelope | null {
  const fast = splitGeneratorLine(line);
  if (fast) return fast;
  let env: unknown;
  try {
    env = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof env !== "object" || env === null || Array.isArray(env)) return null;
  const o = env as Record<string, unknown>;
  if (typeof o.topic !== "string" || o.topic === "" || !("value" in o)) return null;
  let key: string | null;
  if (o.key === undefined || o.key === null) key = null;
  else if (typeof o.key === "string") key = o.key;
  else if (typeof o.key === "number") key = String(o.key);
  else return null;
  let value: string | null;
  if (o.value === null) value = null;
  else if (typeof o.value === "string") value = o.value; // a raw (malformed) message, as produced
  else value = JSON.stringify(o.value); // another layout: the event re-encoded
  return { topic: o.topic, key, value };
}

/** The topic a malformed line names, if it can be read. */
function topicHint(line: string): string | undefined {
  const m = TOPIC_RE.exec(line);
  if (!m) return undefined;
  try {
    const t = JSON.parse(m[1]) as string;
    return t === "" ? undefined : t;
  } catch {
    return undefined;
  }
}

/** A generator-format JSONL file as a bounded {@link Source}. */
export class FileSource implements Source {
  readonly kind = "file" as const;
  readonly bounded = true;
  private readonly reader: LineReader;
  private readonly topics: Set<string> | undefined;
  private readonly malformedTopic: string;
  private readonly now: () => number;
  private readonly counts = new Map<string, number>();
  private skip: Positions = {};
  private done = false;

  constructor(readonly options: FileSourceOptions) {
    this.reader = new LineReader(options.path, options.chunkBytes);
    this.topics = options.topics ? new Set(options.topics) : undefined;
    this.malformedTopic = options.malformedTopic ?? MALFORMED_TOPIC;
    this.now = options.now ?? Date.now;
  }

  async start(from?: Positions): Promise<void> {
    this.skip = { ...(from ?? {}) };
    try {
      await this.reader.open();
    } catch (err) {
      // A missing or unreadable input stays so however often it is retried.
      const code = (err as NodeJS.ErrnoException).code;
      const cause = code === "ENOENT" ? "no such file" : code === "EACCES" || code === "EPERM" ? "permission denied" : code === "EISDIR" ? "it is a folder" : undefined;
      if (cause) throw new ConfigError(`--input ${this.options.path}: cannot read it: ${cause} (${code}). Fix: pass an existing JSONL file (e.g. one written by \`eddy generate --out FILE.jsonl\`).`);
      throw err;
    }
  }

  async poll(_maxWaitMs: number, maxRecords: number): Promise<SourceRecord[] | null> {
    if (this.done) return null;
    const out: SourceRecord[] = [];
    const readAt = this.now();
    while (out.length < maxRecords) {
      const line = await this.reader.next();
      if (line === null) {
        this.done = true;
        await this.reader.close(); // bounded: nothing more will be read
        break;
      }
      if (line.text.trim() === "") continue;
      let env = parseEnvelope(line.text);
      if (!env) {
        const hint = topicHint(line.text);
        if (hint !== undefined && this.topics && !this.topics.has(hint)) continue;
        env = { topic: hint ?? this.malformedTopic, key: null, value: line.text };
      } else if (this.topics && !this.topics.has(env.topic)) continue;
      const pk = positionKey(env.topic, 0);
      const offset = this.counts.get(pk) ?? 0;
      this.counts.set(pk, offset + 1);
      if (offset < (this.skip[pk] ?? 0)) continue; // consumed before the restart
      out.push({ topic: env.topic, partition: 0, offset, key: env.key, value: env.value, readAt });
    }
    return out.length === 0 && this.done ? null : out;
  }

  positions(): Positions {
    const p: Positions = { ...this.skip };
    for (const [k, n] of this.counts) p[k] = Math.max(n, p[k] ?? 0);
    return p;
  }

  /** Unknown (records are not counted ahead); 0 per topic once the file is exhausted. */
  lag(): Record<string, number> {
    if (!this.done) return {};
    return Object.fromEntries([...this.counts.keys()].map((k) => [k, 0]));
  }

  /** Bytes read and total, for a progress display. */
  progress(): { bytesRead: number; totalBytes: number } {
    return { bytesRead: this.reader.position, totalBytes: this.reader.size };
  }

  async close(): Promise<void> {
    await this.reader.close();
  }
}
