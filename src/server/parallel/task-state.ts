/**
 * The checkpointed state of a merge task in one byte string: the merge store's snapshot, the
 * anomaly pipeline's snapshot (when it runs) and a little JSON bookkeeping, each
 * length-prefixed, behind a magic and a version so another layout is refused, not misread.
 */

/** The parts of a merge task's state. */
export interface TaskStateParts {
  store: Uint8Array;
  anomalies?: Uint8Array;
  meta: Record<string, unknown>;
}

const MAGIC = 0x6564_6d31; // "edm1"

/** Packs the parts (see the module comment). */
export function packState(p: TaskStateParts): Uint8Array {
  const meta = new TextEncoder().encode(JSON.stringify(p.meta));
  const anomalies = p.anomalies ?? new Uint8Array(0);
  const out = new Uint8Array(4 + 1 + 12 + p.store.length + anomalies.length + meta.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC);
  out[4] = p.anomalies ? 1 : 0;
  let at = 5;
  for (const part of [p.store, anomalies, meta]) {
    view.setUint32(at, part.length);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

/** Unpacks what {@link packState} wrote; throws on anything else. */
export function unpackState(bytes: Uint8Array): TaskStateParts {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 17 || view.getUint32(0) !== MAGIC) throw new Error("not a merge task's state (another eddy version wrote it)");
  const hasAnomalies = bytes[4] === 1;
  const parts: Uint8Array[] = [];
  let at = 5;
  for (let i = 0; i < 3; i++) {
    const len = view.getUint32(at);
    if (at + 4 + len > bytes.length) throw new Error("merge task state is truncated");
    parts.push(bytes.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return { store: parts[0], anomalies: hasAnomalies ? parts[1] : undefined, meta: JSON.parse(new TextDecoder().decode(parts[2])) as Record<string, unknown> };
}
