/**
 * The co-partitioning, sticky partition assignor of parallel runners (Kafka Streams'
 * StreamsPartitionAssignor in miniature). A *task* is one partition index: partition p of every
 * subscribed topic (the inputs, keyed by user_id, and the repartition topics) goes to the same
 * runner, so one user's clicks and transactions meet in one task and merge task p sits with input
 * task p. Tasks stay with the member that had them when it is still in the group (each member
 * sends its current tasks in its subscription's user data), so a join or leave moves only the
 * tasks needed to rebalance, and only those restore state.
 */
// Before kafkajs: its read_committed filter lets aborted records through (see read-committed.ts).
import "../kafka/read-committed";
import { AssignerProtocol, type PartitionAssigner } from "kafkajs";

/** The assignor's protocol name (every member of a group must use it). */
export const ASSIGNOR_NAME = "EddyCoPartitionAssignor";

/** Decodes the tasks a member said it holds; [] when it sent none or garbage. */
function heldTasks(userData: Buffer | undefined): number[] {
  if (!userData || userData.length === 0) return [];
  try {
    const v = JSON.parse(userData.toString()) as unknown;
    return Array.isArray(v) ? v.filter((t): t is number => Number.isInteger(t) && t >= 0) : [];
  } catch {
    return [];
  }
}

/**
 * Divides tasks `0..tasks-1` among `members` (sorted ids), at most ceil(tasks/members) each, keeping
 * each member's held tasks while it has room. Pure, for tests.
 */
export function assignTasks(tasks: number, members: ReadonlyMap<string, readonly number[]>): Map<string, number[]> {
  const ids = [...members.keys()].sort();
  const out = new Map<string, number[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const base = Math.floor(tasks / ids.length);
  let extra = tasks % ids.length;
  // Members that held the most keep the larger shares, so fewer tasks move.
  const byHeld = [...ids].sort((a, b) => (members.get(b)?.length ?? 0) - (members.get(a)?.length ?? 0) || a.localeCompare(b));
  const quota = new Map<string, number>();
  for (const id of byHeld) quota.set(id, base + (extra-- > 0 ? 1 : 0));
  const taken = new Set<number>();
  for (const id of byHeld) {
    for (const t of members.get(id) ?? []) {
      if (t >= tasks || taken.has(t) || out.get(id)!.length >= quota.get(id)!) continue;
      out.get(id)!.push(t);
      taken.add(t);
    }
  }
  let next = 0;
  for (const id of ids) {
    const list = out.get(id)!;
    while (list.length < quota.get(id)!) {
      while (taken.has(next)) next++;
      list.push(next);
      taken.add(next);
    }
    list.sort((a, b) => a - b);
  }
  return out;
}

/**
 * The kafkajs assignor. `held()` says which tasks this member holds now (sent when it joins).
 */
export function coPartitionAssignor(held: () => number[]): PartitionAssigner {
  return ({ cluster }) => ({
    name: ASSIGNOR_NAME,
    version: 1,
    async assign({ members, topics }) {
      const counts = new Map(topics.map((topic) => [topic, cluster.findTopicPartitionMetadata(topic).length]));
      const tasks = Math.max(0, ...counts.values());
      const holding = new Map(members.map((m) => [m.memberId, heldTasks(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData)]));
      const plan = assignTasks(tasks, holding);
      return members.map(({ memberId }) => {
        const assignment: Record<string, number[]> = {};
        for (const topic of topics) assignment[topic] = plan.get(memberId)!.filter((t) => t < counts.get(topic)!);
        return { memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment, userData: Buffer.alloc(0) }) };
      });
    },
    protocol({ topics }) {
      return { name: ASSIGNOR_NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(JSON.stringify(held())) }) };
    },
  });
}
