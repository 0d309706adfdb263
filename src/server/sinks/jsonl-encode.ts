/**
 * JSON Lines encodings of the file sink: result rows in SPEC JSON shape, and side-output records
 * (DLQ, late) carrying the SPEC headers as fields next to the unchanged message.
 */
import type { MetricRegistry } from "../../core/metrics/registry";
import type { OutputRow, SideRecord } from "../io/types";

/** One line per row (`metric` first, window bounds ISO-8601 UTC, money in currency units). */
export function encodeRowLines(metrics: MetricRegistry, rows: readonly OutputRow[]): string {
  let out = "";
  for (const r of rows) out += JSON.stringify(metrics.toJson(r)) + "\n";
  return out;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function utf8(b: Uint8Array): boolean {
  try {
    strictUtf8.decode(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * A side-output line. The SPEC headers become fields with the same names; the message itself is
 * kept unchanged as text in `value` (a Kafka message is bytes, so an event that was valid JSON
 * is still written as its original text, not re-encoded), or in `value_base64` when it is not
 * valid UTF-8 (likewise `key`, or `key_base64`). Late records reuse `eddy-error` for their reason, as the Kafka sink's headers do.
 */
export function sideRecordJson(s: SideRecord): Record<string, unknown> {
  const { record } = s;
  const out: Record<string, unknown> = {
    "eddy-error": s.reason,
    "eddy-source-topic": record.topic,
    "eddy-source-partition": record.partition,
    "eddy-source-offset": record.offset,
    key: record.key,
  };
  const k = record.keyBytes;
  if (k && !utf8(k)) {
    delete out.key;
    out.key_base64 = Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString("base64");
  }
  const v = record.value;
  if (v === null || typeof v === "string") out.value = v;
  else {
    try {
      out.value = strictUtf8.decode(v);
    } catch {
      out.value_base64 = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
    }
  }
  return out;
}

/** Lines for side records, in the order given. */
export function encodeSideLines(records: readonly SideRecord[]): string {
  let out = "";
  for (const s of records) out += JSON.stringify(sideRecordJson(s)) + "\n";
  return out;
}

/**
 * A topic name made safe as a file name. Kafka names ([A-Za-z0-9._-]) pass unchanged; a file
 * source can carry anything, so other characters become `_` and `.`/`..` cannot escape the folder.
 */
export function topicFileName(topic: string): string {
  const safe = topic.replace(/[^A-Za-z0-9._-]/g, "_");
  return safe === "" || safe === "." || safe === ".." ? `_${safe}` : safe;
}
