import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EventSource, jsonlLine, type GeneratedRecord } from "../../src/server/generator/source";
import type { SourceRecord } from "../../src/server/io/types";
import { FileSource, MALFORMED_TOPIC, parseEnvelope } from "../../src/server/sources/file-source";

const dirs: string[] = [];
function file(text: string | Buffer): string {
  const d = mkdtempSync(join(tmpdir(), "eddy-file-source-"));
  dirs.push(d);
  const p = join(d, "input.jsonl");
  writeFileSync(p, text);
  return p;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Reads the whole source in polls of `batch`; returns the records and the poll results count. */
async function drain(src: FileSource, batch = 1000): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for (let r = await src.poll(10, batch); r !== null; r = await src.poll(10, batch)) {
    expect(r.length).toBeLessThanOrEqual(batch);
    out.push(...r);
  }
  return out;
}

function generated(n: number): GeneratedRecord[] {
  const g = new EventSource({ seed: 7, startMs: Date.UTC(2026, 0, 1), invalidFraction: 0.05, lateFraction: 0.02 });
  return Array.from({ length: n }, () => g.next());
}

const strip = (r: SourceRecord) => ({ topic: r.topic, partition: r.partition, offset: r.offset, key: r.key, value: r.value });

describe("FileSource", () => {
  it("reads the generator's records with their exact value text, per-topic offsets and key", async () => {
    const recs = generated(3000);
    const src = new FileSource({ path: file(recs.map(jsonlLine).join("\n") + "\n"), chunkBytes: 4096, now: () => 123 });
    await src.start();
    const got = await drain(src, 257);
    expect(got.length).toBe(recs.length);
    const seen = new Map<string, number>();
    got.forEach((r, i) => {
      const off = seen.get(r.topic) ?? 0;
      seen.set(r.topic, off + 1);
      expect(strip(r)).toEqual({ topic: recs[i].topic, partition: 0, offset: off, key: recs[i].key, value: recs[i].text });
      expect(r.readAt).toBe(123);
    });
    expect(src.positions()).toEqual(Object.fromEntries([...seen].map(([t, n]) => [`${t}:0`, n])));
    expect(recs.some((r) => r.raw)).toBe(true); // malformed messages were in the mix
    expect(src.lag()).toEqual(Object.fromEntries([...seen.keys()].map((t) => [`${t}:0`, 0])));
    expect(await src.poll(10, 10)).toBeNull();
    await src.close();
  });

  it("resumes from positions: every record exactly once across any cut", async () => {
    const recs = generated(500);
    const path = file(recs.map(jsonlLine).join("\n"));
    const all = await (async () => {
      const s = new FileSource({ path });
      await s.start();
      return (await drain(s)).map(strip);
    })();
    for (const cut of [0, 1, 137, 250, 499, 500]) {
      const a = new FileSource({ path, chunkBytes: 512 });
      await a.start();
      const first = (await a.poll(0, cut)) ?? [];
      const positions = a.positions();
      await a.close();
      const b = new FileSource({ path, chunkBytes: 512 });
      await b.start(positions);
      const rest = await drain(b, 64);
      expect([...first, ...rest].map(strip), `cut at ${cut}`).toEqual(all);
      const counts: Record<string, number> = {};
      for (const r of all) counts[`${r.topic}:0`] = (counts[`${r.topic}:0`] ?? 0) + 1;
      expect(b.positions()).toEqual(counts);
    }
  });

  it("turns malformed lines into records whose value is the raw line, without stopping", async () => {
    const lines = [
      '{"topic":"clickstream","key":"u1","value":{"event_id":"e1"}}',
      "this is not json",
      '{"topic":"orders","key":"u2","value":{"order_id":"o1"',
      "",
      "   ",
      '{"no_topic":1,"value":{}}',
      '["topic","clickstream"]',
      '{"topic":"clickstream","key":"u3","value":"{raw"}',
      '{"topic":"transactions","value":{"a":1.50},"key":null}\r',
      '{"topic":"transactions","key":7,"value":null}',
    ];
    const src = new FileSource({ path: file(lines.join("\n")) });
    await src.start();
    const got = (await drain(src)).map(strip);
    expect(got).toEqual([
      { topic: "clickstream", partition: 0, offset: 0, key: "u1", value: '{"event_id":"e1"}' },
      { topic: MALFORMED_TOPIC, partition: 0, offset: 0, key: null, value: "this is not json" },
      { topic: "orders", partition: 0, offset: 0, key: null, value: lines[2] },
      { topic: MALFORMED_TOPIC, partition: 0, offset: 1, key: null, value: lines[5] },
      { topic: MALFORMED_TOPIC, partition: 0, offset: 2, key: null, value: lines[6] },
      { topic: "clickstream", partition: 0, offset: 1, key: "u3", value: "{raw" },
      { topic: "transactions", partition: 0, offset: 0, key: null, value: '{"a":1.5}' },
      { topic: "transactions", partition: 0, offset: 1, key: "7", value: null },
    ]);
  });

  it("reads only the selected topics", async () => {
    const lines = [
      '{"topic":"clickstream","key":"a","value":{"x":1}}',
      '{"topic":"orders","key":"b","value":{"x":2}}',
      '{"topic":"orders","key":"b","value":{"x":3',
      "garbage",
    ];
    const src = new FileSource({ path: file(lines.join("\n")), topics: ["clickstream"] });
    await src.start();
    expect((await drain(src)).map((r) => [r.topic, r.offset])).toEqual([["clickstream", 0], [MALFORMED_TOPIC, 0]]);
  });

  it("handles an empty file, a missing final newline and multi-byte text across chunk edges", async () => {
    const empty = new FileSource({ path: file("") });
    await empty.start();
    expect(await empty.poll(10, 10)).toBeNull();

    const value = `{"user":"${"é✓€".repeat(40)}"}`;
    const text = Array.from({ length: 50 }, (_, i) => `{"topic":"t","key":"k${i}","value":${value}}`).join("\n");
    const src = new FileSource({ path: file(text), chunkBytes: 7 });
    await src.start();
    const got = await drain(src);
    expect(got.map((r) => r.value)).toEqual(Array(50).fill(value));
    expect(src.progress()).toEqual({ bytesRead: Buffer.byteLength(text), totalBytes: Buffer.byteLength(text) });
  });

  it("parseEnvelope re-encodes a value only when the line is not in the generator layout", () => {
    expect(parseEnvelope('{"topic":"t","key":"k","value":{"a":1.0, "b" : [1,2]}}')?.value).toBe('{"a":1.0, "b" : [1,2]}');
    expect(parseEnvelope('{ "topic":"t","key":"k","value":{"a":1.0}}')?.value).toBe('{"a":1}');
    expect(parseEnvelope('{"topic":"","value":{}}')).toBeNull();
    expect(parseEnvelope('{"topic":"","key":null,"value":{}}')).toBeNull();
    // Generator layout with a broken event: split as is, so validation DLQs it under its topic.
    expect(parseEnvelope('{"topic":"orders","key":null,"value":{"a":{"b":1}')).toEqual({ topic: "orders", key: null, value: '{"a":{"b":1' });
    // Escapes in topic and key are decoded; a JSON string value is the raw message's text.
    expect(parseEnvelope('{"topic":"a\\"b","key":"k\\u00e9","value":"{\\"x\\":"}  ')).toEqual({ topic: 'a"b', key: "ké", value: '{"x":' });
    expect(parseEnvelope('{"topic":"t","key":"k","value":null}')).toEqual({ topic: "t", key: "k", value: null });
    expect(parseEnvelope('{"topic":"t","key":"k","value":}')).toBeNull();
  });
});
