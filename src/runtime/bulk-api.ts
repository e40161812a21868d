/** The JSON API's bulk routes wired to a node: its bulk store, new run ids, and a wake of its bulk runner. */
import { randomUUID } from "node:crypto";
import { BULK_DEFAULTS } from "../core/limits.js";
import type { BulkApiOptions } from "../http/api/bulk-routes.js";
import type { RatchetNode } from "./create-node.js";

export function bulkApiOf(node: RatchetNode, options: { ratePerSecondMax?: number } = {}): BulkApiOptions {
  return {
    store: node.storage.bulkRuns,
    ratePerSecondMax: options.ratePerSecondMax ?? BULK_DEFAULTS.ratePerSecondMax,
    newId: randomUUID,
    onStarted: () => node.bulkRunner?.wake(),
  };
}
