/** The topic browser's consumer groups: state, members, and committed offset, end and lag per partition. */
import { count, el } from "./dom";

/** One group of GET /api/groups. */
export interface GroupSummary {
  groupId: string;
  state: string;
  members: number;
  lag: number;
  topics: { topic: string; lag: number; partitions: { partition: number; offset: string; end: string; lag: number }[] }[];
}

/** See the module comment. */
export class GroupsView {
  readonly root: HTMLElement;
  private readonly body: HTMLTableSectionElement;

  constructor() {
    this.root = el("div", "groups-pane");
    const t = el("table", "topics groups");
    const head = t.createTHead().insertRow();
    for (const h of ["group", "state", "members", "topic", "partition", "committed", "end", "lag"]) head.append(el("th", undefined, h));
    this.body = t.createTBody();
    this.root.append(t);
  }

  render(groups: GroupSummary[]): void {
    const rows: HTMLTableRowElement[] = [];
    for (const g of groups) {
      for (const t of g.topics) {
        for (const p of t.partitions) {
          const r = document.createElement("tr");
          r.dataset.group = g.groupId;
          const cells: [string, string][] = [
            ["group", `${g.groupId} (lag ${count(g.lag)})`], ["state", g.state], ["members", String(g.members)], ["topic", t.topic],
            ["partition", String(p.partition)], ["committed", count(Number(p.offset))], ["end", count(Number(p.end))], ["lag", count(p.lag)],
          ];
          for (const [label, text] of cells) {
            const td = el("td", undefined, text);
            td.dataset.label = label;
            r.append(td);
          }
          rows.push(r);
        }
      }
    }
    if (rows.length === 0) {
      const r = document.createElement("tr");
      const td = el("td", "empty", "No consumer group has committed offsets.");
      td.colSpan = 8;
      r.append(td);
      rows.push(r);
    }
    this.body.replaceChildren(...rows);
  }
}
