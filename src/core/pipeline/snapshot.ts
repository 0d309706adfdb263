/**
 * Byte format of a pipeline snapshot: "EDPS" magic, u16 version, a JSON header (config, flags,
 * blob lengths) and the kernel/dictionary blobs back to back. Kernel blobs carry their own
 * versioned headers (assembly/layout.ts); this wrapper only frames them.
 */
import type { PipelineConfig } from "./config";

const MAGIC = 0x53504445; // "EDPS" little-endian
const VERSION = 1;

/** The parts of a pipeline snapshot. */
export interface SnapshotParts {
  config: PipelineConfig;
  finished: boolean;
  dicts: Uint8Array[];
  watermarks: Uint8Array[];
  ops: Uint8Array[][];
}

/** Frames the parts into one byte array. */
export function encodeSnapshot(p: SnapshotParts): Uint8Array {
  const blobs = [...p.dicts, ...p.watermarks, ...p.ops.flat()];
  const header = new TextEncoder().encode(
    JSON.stringify({
      config: p.config,
      finished: p.finished,
      dicts: p.dicts.length,
      watermarks: p.watermarks.length,
      ops: p.ops.map((o) => o.length),
      lengths: blobs.map((b) => b.byteLength),
    }),
  );
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
    dicts: number;
    watermarks: number;
    ops: number[];
    lengths: number[];
  };
  let off = 10 + hlen;
  const blobs = h.lengths.map((len) => {
    if (off + len > bytes.byteLength) throw new Error("pipeline snapshot is truncated");
    const b = bytes.slice(off, off + len);
    off += len;
    return b;
  });
  const dicts = blobs.splice(0, h.dicts);
  const watermarks = blobs.splice(0, h.watermarks);
  const ops = h.ops.map((n) => blobs.splice(0, n));
  return { config: h.config, finished: h.finished, dicts, watermarks, ops };
}
