/** The product of each anomaly row, for the console's hover. */
import type { EventFrame } from "../../core/frames/format";
import type { Pipeline } from "../../core/pipeline/pipeline";
import type { OutputRow } from "../../core/pipeline/rows";

/**
 * Adds `product_id` to anomaly rows (SPEC's row names the transaction, not the product; the
 * console's hover shows both): the transaction is one of the events just processed, frame
 * events `from`..`to`. Anomalies are rare, so the lookup is built only when there are some.
 */
export function nameProducts(rows: OutputRow[], frame: EventFrame, from: number, to: number, p: Pipeline): void {
  let byId: Map<string, number> | undefined;
  for (const r of rows) {
    if (r.metric !== "purchase_anomalies" || !frame.ids) continue;
    if (!byId) {
      byId = new Map();
      for (let i = from; i < to; i++) if (frame.topic[i] === 1) byId.set(frame.ids[i], frame.product[i]);
    }
    const id = byId.get(r.transaction_id as string);
    if (id !== undefined) r.product_id = p.dictionary("products").decode(id);
  }
}
