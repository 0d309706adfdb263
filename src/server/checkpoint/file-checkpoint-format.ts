/**
 * The bytes of a checkpoint file in `--checkpoint-dir`, `checkpoint-<epoch>.bin`:
 *
 *   magic | u32 LE header length | header JSON | payload | SHA-256 of all before
 *
 * Format 2 ("EDDYCKP2", incremental, see state-chain.ts): the header holds epoch, positions,
 * sink bookkeeping, commit time, the state's length and SHA-256, and the chain of links a restore
 * reads, base first; the payload is this epoch's own link — the whole state or a delta against
 * the previous epoch's — and the chain's earlier links are the payloads of the files of their
 * epochs. Format 1 ("EDDYCKP1", before incremental checkpoints) holds the whole state as payload
 * and a header without chain; it is still read.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import type { Checkpoint } from "../io/types";
import { type ChainLink, CheckpointFormatError } from "./state-chain";

const MAGIC_V1 = Buffer.from("EDDYCKP1", "latin1");
const MAGIC_V2 = Buffer.from("EDDYCKP2", "latin1");
const DIGEST = 32;
const PREFIX = MAGIC_V1.length + 4;

/** Header of a format-2 file. */
export interface FileHeader {
  epoch: number;
  positions: Checkpoint["positions"];
  sinks: Checkpoint["sinks"];
  committedAt: number;
  state: { bytes: number; sha256: string };
  /** Base first; the last link is this file's payload. */
  chain: ChainLink[];
}

interface HeaderV1 {
  epoch: number;
  positions: Checkpoint["positions"];
  sinks: Checkpoint["sinks"];
  committedAt: number;
  stateLength: number;
}

/** A checkpoint file's content. */
export type CheckpointFile = { format: 1; checkpoint: Checkpoint } | { format: 2; header: FileHeader; payload: Uint8Array };

function frame(magic: Buffer, header: object, payload: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const body = Buffer.concat([magic, len, json, payload]);
  return Buffer.concat([body, createHash("sha256").update(body).digest()]);
}

/** A format-2 file. */
export function encodeCheckpointFile(header: FileHeader, payload: Uint8Array): Buffer {
  return frame(MAGIC_V2, header, payload);
}

/** A format-1 file: the whole state (kept to test reading older checkpoints). */
export function encodeFullCheckpoint(c: Checkpoint): Buffer {
  const header: HeaderV1 = { epoch: c.epoch, positions: c.positions, sinks: c.sinks, committedAt: c.committedAt, stateLength: c.state.byteLength };
  return frame(MAGIC_V1, header, c.state);
}

/** Parses a checkpoint file of either format; throws on any inconsistency. */
export function decodeCheckpointFile(buf: Uint8Array): CheckpointFile {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = b.subarray(0, MAGIC_V1.length);
  const v1 = magic.equals(MAGIC_V1);
  if (!v1 && !magic.equals(MAGIC_V2) && magic.subarray(0, 7).equals(MAGIC_V1.subarray(0, 7)) && b.length >= PREFIX + DIGEST) {
    throw new CheckpointFormatError(`checkpoint format ${magic.subarray(7).toString("latin1")} cannot be read by this eddy build (it reads 1 and 2): it was written by a newer build`);
  }
  if (b.length < PREFIX + DIGEST || (!v1 && !magic.equals(MAGIC_V2))) throw new Error("not an eddy checkpoint");
  const body = b.subarray(0, b.length - DIGEST);
  if (!createHash("sha256").update(body).digest().equals(b.subarray(b.length - DIGEST))) {
    throw new Error("checkpoint digest mismatch (torn or corrupted file)");
  }
  const jsonLen = b.readUInt32LE(MAGIC_V1.length);
  if (PREFIX + jsonLen > body.length) throw new Error("checkpoint header runs past the file");
  const header = JSON.parse(b.subarray(PREFIX, PREFIX + jsonLen).toString("utf8")) as HeaderV1 | FileHeader;
  const rest = body.subarray(PREFIX + jsonLen);
  const payload = new Uint8Array(rest.buffer, rest.byteOffset, rest.byteLength);
  if (v1) {
    const h = header as HeaderV1;
    if (payload.length !== h.stateLength) throw new Error("checkpoint state length mismatch");
    return { format: 1, checkpoint: { epoch: h.epoch, positions: h.positions, sinks: h.sinks, committedAt: h.committedAt, state: payload } };
  }
  const h = header as FileHeader;
  const own = h.chain?.[h.chain.length - 1];
  if (!own || own.epoch !== h.epoch || own.bytes !== payload.length) throw new Error("checkpoint payload is not the link its header names");
  return { format: 2, header: h, payload };
}

/**
 * The epochs of the files a checkpoint file's restore reads (its own included), from its header
 * alone — unverified, for deciding what to keep; undefined when unreadable.
 */
export async function chainEpochs(path: string): Promise<number[] | undefined> {
  let fh;
  try {
    fh = await open(path, "r");
    const prefix = Buffer.alloc(PREFIX);
    if ((await fh.read(prefix, 0, PREFIX, 0)).bytesRead < PREFIX) return undefined;
    const magic = prefix.subarray(0, MAGIC_V1.length);
    const len = prefix.readUInt32LE(MAGIC_V1.length);
    if (magic.equals(MAGIC_V1) || !magic.equals(MAGIC_V2) || len > 64 << 20) return undefined;
    const json = Buffer.alloc(len);
    if ((await fh.read(json, 0, len, PREFIX)).bytesRead < len) return undefined;
    const h = JSON.parse(json.toString("utf8")) as FileHeader;
    return Array.isArray(h.chain) ? h.chain.map((l) => l.epoch).filter((e) => Number.isInteger(e)) : undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}
