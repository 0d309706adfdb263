/**
 * The pipeline's inputs and lanes, built from the metric registry: each input gets a batch topic
 * code (SPEC topics 0–2, declared inputs from 3), each watermark group a lane with its own
 * watermark tracker and the operators of its metrics, and each operator a late bit.
 */
import type { Dictionary } from "../dictionary";
import { TOPIC_KINDS, type TopicKind } from "../events";
import type { WatermarkTracker } from "../kernels/watermark";
import { MAIN_GROUP, ORDERS_GROUP } from "../metrics/builtin-pack";
import type { MetricRegistry } from "../metrics/registry";
import { groupOfInput } from "../metrics/user/declare";
import type { InputDef, UserMetric } from "../metrics/user/definition";
import type { FieldColumns } from "../metrics/user/field-columns";
import type { MetricOp, OpContext, OpStates } from "./metrics/op";
import { BUILTIN_OPERATORS, userOperator } from "./operators";

/** Most operators a pipeline runs: late masks are 32-bit. */
export const MAX_OPERATORS = 32;

/** One input of the pipeline. */
export interface PipelineInput {
  name: string;
  /** Batch `topic` code. */
  code: number;
  /** Watermark group. */
  group: string;
  /** SPEC kind, for SPEC inputs. */
  kind?: TopicKind;
  /** Declaration, for declared inputs. */
  def?: InputDef;
}

/** A watermark group with its operators. */
export class Lane {
  readonly stream: Uint32Array;
  readonly t: Float64Array;
  readonly idx: Uint32Array;
  n = 0;
  constructor(
    readonly group: string,
    readonly tracker: WatermarkTracker,
    readonly ops: MetricOp[],
    readonly bitBase: number,
    capacity: number,
  ) {
    this.stream = new Uint32Array(capacity);
    this.t = new Float64Array(capacity);
    this.idx = new Uint32Array(capacity);
  }
}

/** The inputs a run reads: the SPEC topics, then the declared inputs its metrics use. */
export function pipelineInputs(declared: readonly InputDef[]): PipelineInput[] {
  const spec = TOPIC_KINDS.map((kind, code) => ({ name: kind, code, group: groupOfInput(kind, true), kind }));
  return [...spec, ...declared.map((def, k) => ({ name: def.name, code: TOPIC_KINDS.length + k, group: groupOfInput(def.name, false), def }))];
}

/** What {@link buildLanes} needs. */
export interface LaneSources {
  registry: MetricRegistry;
  user: readonly UserMetric[];
  inputs: readonly PipelineInput[];
  ctx: OpContext;
  columns: FieldColumns;
  values: Dictionary;
  tracker(group: string): WatermarkTracker;
  states(operator: string): OpStates | undefined;
}

/**
 * One lane per watermark group (main and orders always, so their watermarks are always there;
 * declared inputs' groups when a metric reads them), operators in declaration order.
 */
export function buildLanes(s: LaneSources): { lanes: Lane[]; operators: Map<string, MetricOp> } {
  const groups = [MAIN_GROUP, ORDERS_GROUP, ...new Set(s.inputs.filter((i) => i.def).map((i) => i.group))];
  const byGroup = new Map<string, MetricOp[]>(groups.map((g) => [g, []]));
  const user = new Map(s.user.map((m) => [m.name, m]));
  const operators = new Map<string, MetricOp>();
  for (const [operator, decls] of s.registry.operators()) {
    const group = decls[0].group;
    let op: MetricOp;
    const m = user.get(operator);
    if (m) {
      const input = s.inputs.find((i) => i.name === m.input.name)!;
      op = userOperator({ kernels: s.ctx.kernels, capacity: s.ctx.capacity, columns: s.columns, values: s.values, topic: input.code, partials: s.ctx.partials }, m, s.states(operator));
    } else {
      const C = BUILTIN_OPERATORS[operator];
      if (!C) throw new Error(`no operator '${operator}'`);
      op = new C(s.ctx, s.states(operator));
    }
    byGroup.get(group)!.push(op);
    operators.set(operator, op);
  }
  let bit = 0;
  const lanes = groups.map((g) => {
    const ops = byGroup.get(g)!;
    const lane = new Lane(g, s.tracker(g), ops, bit, s.ctx.capacity);
    bit += ops.length;
    return lane;
  });
  if (bit > MAX_OPERATORS) throw new RangeError(`a pipeline runs at most ${MAX_OPERATORS} operators (${bit} asked): select fewer metrics with --only`);
  return { lanes, operators };
}
