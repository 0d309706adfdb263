/**
 * The binary columnar event frame of the web console (docs/frames.md is the normative text):
 * constants, the decoded shape, and the error every malformed frame is rejected with.
 * Isomorphic (no node:*, no DOM).
 */

/** "EDFR" as a little-endian u32: the first four bytes of every event frame. */
export const FRAME_MAGIC = 0x52464445;
/**
 * Format version of frames without user-metric fields, written in byte 4. A gateway that runs
 * user-defined metrics writes {@link FRAME_VERSION_FIELDS} frames instead; readers accept both
 * and reject any other version.
 */
export const FRAME_VERSION = 1;
/**
 * Version 2: version 1 plus declared-input events (topic codes from 3), the `values` dictionary
 * (number 5) and a section of user-metric field columns after the ids (docs/frames.md).
 */
export const FRAME_VERSION_FIELDS = 2;
/** Frame kind in byte 5: a batch of events. Other kinds are reserved. */
export const FRAME_KIND_EVENTS = 1;
/** Fixed header size in bytes (a multiple of 8, so that f64 columns stay aligned). */
export const HEADER_BYTES = 40;
/** Size of one dictionary delta block's own header. */
export const DELTA_HEADER_BYTES = 16;
/** Most events one frame may carry (the gateway splits larger batches). */
export const MAX_FRAME_EVENTS = 65_536;
/** Most bytes one frame may have; readers reject larger ones before parsing. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Longest string (UTF-8 bytes) of a dictionary delta or an id. */
export const MAX_STRING_BYTES = 4096;

/** Header flag: the gateway sampled or dropped events for this client before this frame. */
export const FLAG_SAMPLED = 1;
/**
 * Header flag: the deltas start from empty dictionaries (a new epoch or a client that had
 * nothing); the client must drop whatever it decoded with earlier ids and start afresh.
 */
export const FLAG_RESET = 2;
/** Header flag: the frame has the id column (u16 lengths + UTF-8 bytes). */
export const FLAG_IDS = 4;

/**
 * Dictionary numbers of delta blocks, in the pipeline's dictionary order
 * (src/core/pipeline/pipeline.ts DICTS).
 */
export const FRAME_DICTS = ["users", "products", "categories", "urls", "streams"] as const;
export type FrameDictName = (typeof FRAME_DICTS)[number];
export const DICT_USERS = 0;
export const DICT_PRODUCTS = 1;
export const DICT_CATEGORIES = 2;
export const DICT_URLS = 3;
export const DICT_STREAMS = 4;
/**
 * Version 2 adds dictionary 5, `values`: the strings of user-metric field columns. The browser
 * keeps it apart from the pipeline's own dictionaries (src/core/pipeline/frame-fields.ts).
 */
export const FRAME_DICTS_V2 = [...FRAME_DICTS, "values"] as const;
export type FrameDictNameV2 = (typeof FRAME_DICTS_V2)[number];
export const DICT_VALUES = 5;
/** Highest topic code of a version-2 frame (SPEC topics 0–2, declared inputs from 3). */
export const MAX_TOPIC_CODE = 63;

/** Field column types of version 2 (docs/frames.md). */
export const FIELD_STRING = 1;
export const FIELD_NUMBER = 2;
export const FIELD_BOOLEAN = 3;
/** A missing boolean in a boolean field column (0 false, 1 true). */
export const BOOL_NONE = 255;
/** A missing string in a string field column (and in the `url` column). */
export const STRING_NONE = 0xffffffff;

/**
 * One user-metric field column of a version-2 frame: the values of field number `field` (an index
 * into the list both ends derive from the metric definitions, src/core/frames/fields.ts) for the
 * frame's events of topic code `topic`, in frame order — one value per such event, none for others.
 */
export interface FrameFieldColumn {
  topic: number;
  /** FIELD_STRING (ids in the `values` dictionary, STRING_NONE = missing), FIELD_NUMBER (NaN = missing) or FIELD_BOOLEAN (BOOL_NONE = missing). */
  type: number;
  field: number;
  values: Uint32Array | Float64Array | Uint8Array;
}

/** Strings appended to one gateway dictionary: ids `start .. start + strings.length - 1`. */
export interface FrameDelta {
  dict: number;
  start: number;
  strings: string[];
}

/** The header fields of an event frame. */
export interface FrameHeader {
  flags: number;
  /** Gateway dictionary epoch: a new value means the gateway restarted and ids changed. */
  epoch: number;
  /** Per-connection frame sequence number (0, 1, 2, …); a gap never happens on one socket. */
  seq: number;
  /** Events the gateway sampled away or dropped for this client since its previous frame. */
  dropped: number;
  /** Invalid messages (not forwarded) seen on the subscribed topics since the previous frame. */
  invalid: number;
  /** Gateway wall clock (epoch ms) when the frame was built. */
  sentAt: number;
}

/**
 * The columns of a frame, in the encodings of {@link EventBatch} (src/core/pipeline/batch.ts):
 * codes for topic/action/device, gateway dictionary ids for the u32 columns.
 */
export interface FrameColumns {
  /** TOPIC_CLICKSTREAM / TOPIC_TRANSACTIONS / TOPIC_ORDERS. */
  topic: Uint8Array;
  /** Index into ACTIONS, or ACTION_NONE (255). */
  action: Uint8Array;
  /** Index into DEVICES, or DEVICE_UNKNOWN (3). */
  device: Uint8Array;
  /** Id in the `streams` dictionary (`topic:partition`). */
  stream: Uint32Array;
  user: Uint32Array;
  product: Uint32Array;
  /** Category after the catalog fallback (SPEC), so never absent. */
  category: Uint32Array;
  /** Id in the `urls` dictionary, or URL_NONE (0xffffffff). */
  url: Uint32Array;
  /** Event time, epoch ms. */
  t: Float64Array;
  /** Kafka message timestamp (embedded source: when the record was made), epoch ms. */
  kafkaTs: Float64Array;
  /** Amount in integer cents, 0 for clickstream. */
  cents: Float64Array;
}

/** A decoded event frame; the typed arrays may be views into the received buffer. */
export interface EventFrame extends FrameHeader, FrameColumns {
  version: number;
  n: number;
  deltas: FrameDelta[];
  /** transaction_id / order_id (and event_id when sent) per event; "" when not sent. Null without FLAG_IDS. */
  ids: string[] | null;
  /** User-metric field columns (version 2; empty in version 1). */
  fields: FrameFieldColumn[];
}

/** Why a frame was rejected (malformed, truncated, wrong version, out-of-range value). */
export class FrameError extends Error {
  override name = "FrameError";
}

/** Rounds up to the next multiple of 8. */
export function pad8(n: number): number {
  return (n + 7) & ~7;
}
