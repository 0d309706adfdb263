/**
 * What the hub knows of its input topics: how a message of each is validated (SPEC topics with
 * `validate`, declared inputs of the user-defined metrics with `validateDeclared`, both with the
 * allowed future skew) and how a valid event is encoded into a frame buffer with the gateway's
 * append-only dictionaries — the batch columns, plus the user metrics' field columns
 * (src/core/frames/field-batch.ts) when the gateway runs user-defined metrics.
 */
import { categoryOf, type Catalog } from "../../core/catalog";
import { Dictionary } from "../../core/dictionary";
import { type FutureBound, type TopicKind, validate } from "../../core/events";
import { FieldBatch } from "../../core/frames/field-batch";
import { frameFields } from "../../core/frames/fields";
import { FRAME_DICTS, FRAME_DICTS_V2, type FrameDictNameV2, type TopicInfo } from "../../core/frames";
import type { InputDef, UserMetrics } from "../../core/metrics/user/definition";
import { validateDeclared } from "../../core/metrics/user/validate-event";
import { BatchBuilder, EventBatch, TOPIC_CLICKSTREAM } from "../../core/pipeline/batch";
import { pipelineInputs } from "../../core/pipeline/lanes";
import type { InputMessage } from "./hub";

/** A batch of events and, with user-defined metrics, their field columns: one frame's worth. */
export class FrameBuffer {
  readonly batch: EventBatch;
  readonly fields: FieldBatch | null;
  constructor(capacity: number, inputs: HubInputs) {
    this.batch = new EventBatch(capacity);
    this.fields = inputs.fieldList ? new FieldBatch(inputs.fieldList, capacity, () => inputs.dicts.values) : null;
  }
  get full(): boolean {
    return this.batch.full;
  }
  clear(): void {
    this.batch.clear();
    this.fields?.clear();
  }
}

interface TopicEntry {
  info: TopicInfo;
  /** Batch topic code (the pipeline's: SPEC 0–2, declared inputs from 3). */
  code: number;
  def?: InputDef;
}

/** A validated event, ready to append. */
export type Accepted = { ok: true; event: object; t: number } | { ok: false };

/** See the module comment. */
export class HubInputs {
  readonly topics: TopicInfo[];
  /** The gateway's dictionaries (version-2 order; `values` stays empty without user metrics). */
  dicts: Record<FrameDictNameV2, Dictionary>;
  /** The frame field list of the user metrics, or null when the gateway runs none (version-1 frames). */
  readonly fieldList: ReturnType<typeof frameFields> | null;
  private readonly entries: TopicEntry[];
  private readonly index = new Map<string, number>();
  private readonly builder: BatchBuilder;
  /** `topic:partition` names per topic index and partition, so that appending builds no string. */
  private readonly streamNames: string[][];
  /** Topic index of each `streams` id. */
  readonly streamTopic: number[] = [];

  constructor(topics: TopicInfo[], catalog: Catalog, readonly future: FutureBound, user: UserMetrics | undefined) {
    this.topics = topics;
    const codes = new Map(pipelineInputs(user?.inputs ?? []).map((i) => [i.name, i.code]));
    this.entries = topics.map((info) => {
      if (info.kind !== "declared") return { info, code: codes.get(info.kind)! };
      const def = user?.inputs.find((d) => d.name === info.input);
      if (!def) throw new Error(`topic ${info.name}: no declared input '${String(info.input)}' among the metrics' inputs`);
      return { info, code: codes.get(def.name)!, def };
    });
    topics.forEach((t, k) => this.index.set(t.name, k));
    this.streamNames = topics.map(() => []);
    this.fieldList = user && user.metrics.length ? frameFields(user) : null;
    this.dicts = this.emptyDicts();
    this.builder = new BatchBuilder(this.dicts, (p) => categoryOf(catalog, p));
  }

  private emptyDicts(): Record<FrameDictNameV2, Dictionary> {
    return Object.fromEntries(FRAME_DICTS_V2.map((d) => [d, new Dictionary()])) as Record<FrameDictNameV2, Dictionary>;
  }

  /** Dictionary names frames carry: six with user metrics (version 2), else five. */
  get dictNames(): readonly FrameDictNameV2[] {
    return this.fieldList ? FRAME_DICTS_V2 : FRAME_DICTS;
  }

  /** Index of a topic the hub forwards, or undefined. */
  topicNo(name: string): number | undefined {
    return this.index.get(name);
  }

  /** Batch topic code of hub topic `k`. */
  code(k: number): number {
    return this.entries[k].code;
  }

  /** Validates one raw message of hub topic `k` (with the allowed future skew at the wall clock). */
  accept(k: number, value: Uint8Array | string): Accepted {
    const e = this.entries[k];
    this.future.now = Date.now(); // the wall clock itself: a hub's `now` may be a test's frame clock
    const v = e.def ? validateDeclared(e.def, value, { future: this.future }) : validate(e.info.kind as TopicKind, value, { future: this.future });
    return v.ok ? { ok: true, event: v.event, t: v.t } : { ok: false };
  }

  /** Appends a validated event of hub topic `k` to `buf`. */
  append(buf: FrameBuffer, k: number, event: object, t: number, m: InputMessage): void {
    const e = this.entries[k];
    const batch = buf.batch;
    const streams = this.dicts.streams;
    const before = streams.size;
    const names = this.streamNames[k];
    const stream = (names[m.partition] ??= `${m.topic}:${m.partition}`);
    if (e.def) this.builder.appendOther(batch, e.code, t, stream, m.timestamp);
    else {
      const i = this.builder.append(batch, e.info.kind as TopicKind, event as never, t, stream, m.timestamp);
      // No built-in metric reads clickstream event ids: leaving them out saves ~25 bytes per click.
      if (batch.topic[i] === TOPIC_CLICKSTREAM) batch.id[i] = "";
    }
    if (streams.size !== before) this.streamTopic.push(k);
    buf.fields?.append(e.code, event);
  }

  /** Empties every dictionary (a new epoch; buffers must be empty). */
  resetDictionaries(): void {
    const fresh = this.emptyDicts();
    for (const d of FRAME_DICTS_V2) this.dicts[d] = fresh[d];
    this.streamTopic.length = 0;
  }
}
