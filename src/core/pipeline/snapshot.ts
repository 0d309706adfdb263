/**
 * Byte format of a pipeline snapshot: "EDPS" magic, u16 version, a JSON header, then the state
 * blobs back to back. Every blob is named — dictionaries by dictionary, watermarks by group,
 * operator state by operator and state name (the names the metric declarations list) — so a
 * restore finds each piece by name, a metric added since starts empty and one removed is
 * dropped. Kernel blobs carry their own versioned headers (assembly/layout.ts).
 */
import type { PipelineConfig } from "./config";

const MAGIC = 0x53504445; // "EDPS" little-endian
const VERSION = 2;

/** The parts of a pipeline snapshot. */
export interface SnapshotParts {
  config: PipelineConfig;
  finished: boolean;
  /** Written by a task of a parallel run (PipelineOptions.partials). */
  partials: boolean;
  /** Per user-defined metric, the fingerprint of its definition (a changed one cannot reuse its state). */
  definitions: Record<string, string>;
  dicts: Map<string, Uint8Array>;
  /** Watermark state per watermark group. */
  watermarks: Map<string, Uint8Array>;
  /** Operator → state name → bytes. */
  ops: Map<string, Map<string, Uint8Array>>;
}

type Entry = [section: "dict" | "wm" | "op", name: string, state: string, length: number];

/** Frames the parts into one byte array. */
export function encodeSnapshot(p: SnapshotParts): Uint8Array {
  const entries: Entry[] = [];
  const blobs: Uint8Array[] = [];
  const put = (section: Entry[0], name: string, state: string, b: Uint8Array) => {
    entries.push([section, name, state, b.byteLength]);
    blobs.push(b);
  };
  for (const [name, b] of p.dicts) put("dict", name, "", b);
  for (const [name, b] of p.watermarks) put("wm", name, "", b);
  for (const [op, states] of p.ops) for (const [state, b] of states) put("op", op, state, b);
  // `partials` only when set: a single runner's snapshot reads as before.
  const header = new TextEncoder().encode(JSON.stringify({ config: p.config, finished: p.finished, ...(p.partials ? { partials: true } : {}), definitions: p.definitions, entries }));
  const total = 10 + header.byteLength + blobs.reduce((s, b) => s + b.byteLength, 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint16(4, VERSION, true);
  dv.setUint32(6, header.byteLength, true);
  out.set(header, 10);
  let off = 10 + header.byteLength;
  for (const b of blobs) {
    out.set(b, off);
    off += b.byteLength;
  }
  return out;
}

/** Splits bytes made by {@link encodeSnapshot}; throws on anything else. */
export function decodeSnapshot(bytes: Uint8Array): SnapshotParts {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 10 || dv.getUint32(0, true) !== MAGIC) throw new Error("not an eddy pipeline snapshot");
  const version = dv.getUint16(4, true);
  if (version !== VERSION) throw new Error(`pipeline snapshot version ${version} is not supported (expected ${VERSION})`);
  const hlen = dv.getUint32(6, true);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(10, 10 + hlen))) as {
    config: PipelineConfig;
    finished: boolean;
    partials?: boolean;
    definitions?: Record<string, string>;
    entries: Entry[];
  };
  const out: SnapshotParts = { config: h.config, finished: h.finished, partials: h.partials === true, definitions: h.definitions ?? {}, dicts: new Map(), watermarks: new Map(), ops: new Map() };
  let off = 10 + hlen;
  for (const [section, name, state, len] of h.entries) {
    if (off + len > bytes.byteLength) throw new Error("pipeline snapshot is truncated");
    const b = bytes.slice(off, off + len);
    off += len;
    if (section === "dict") out.dicts.set(name, b);
    else if (section === "wm") out.watermarks.set(name, b);
    else {
      const m = out.ops.get(name) ?? new Map<string, Uint8Array>();
      m.set(state, b);
      out.ops.set(name, m);
    }
  }
  return out;
}
