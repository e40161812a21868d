/**
 * A node's Prometheus metrics, read at scrape time from the counters the engine and relays already keep, so
 * nothing on the hot path of a step pays for them. The outbox backlog and lag are read from storage per scrape.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { RatchetNode } from "./create-node.js";
import { registerStepMetrics } from "./step-metrics.js";
import { registerStorageGauges } from "./storage-gauges.js";

export function createNodeMetrics(node: RatchetNode): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const totalOf = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  totalOf(
    "ratchet_steps_committed_total",
    "Steps committed by this node.",
    () => node.engine.stats().committedSteps,
  );
  totalOf(
    "ratchet_commit_batches_total",
    "Storage transactions that committed steps (group commits).",
    () => node.engine.stats().commitFlushes,
  );
  new Gauge({
    name: "ratchet_machines_in_memory",
    help: "Machines this node holds or has work queued for.",
    registers: [registry],
    collect() {
      this.set(node.engine.stats().runners);
    },
  });
  new Gauge({
    name: "ratchet_scheduled_steps_in_flight",
    help: "Timer and notification steps this node's scheduler is running.",
    registers: [registry],
    collect() {
      this.set(node.engine.stats().scheduledInFlight);
    },
  });
  registerRelayMetrics(registry, node);
  registerStepMetrics(registry, node);
  registerStorageGauges(registry, node);
  return registry;
}

function registerRelayMetrics(registry: Registry, node: RatchetNode): void {
  const labelNames = ["sink"] as const;
  new Counter({
    name: "ratchet_relay_published_total",
    help: "Outbox records this node's relay published and deleted.",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const relay of node.relays) this.inc({ sink: relay.sink.name }, relay.stats.published);
    },
  });
  new Counter({
    name: "ratchet_relay_failures_total",
    help: "Failed publish attempts of this node's relay (each batch is retried).",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const relay of node.relays) this.inc({ sink: relay.sink.name }, relay.stats.failures);
    },
  });
  new Gauge({
    name: "ratchet_relay_leading",
    help: "1 while this node's relay leads its sink.",
    labelNames,
    registers: [registry],
    collect() {
      for (const relay of node.relays)
        this.set({ sink: relay.sink.name }, relay.stats.mode === "leading" ? 1 : 0);
    },
  });
  new Gauge({
    name: "ratchet_outbox_backlog_records",
    help: "Outbox records waiting for the sink.",
    labelNames,
    registers: [registry],
    async collect() {
      for (const relay of node.relays) {
        this.set({ sink: relay.sink.name }, (await node.storage.outboxBacklog(relay.sink.name)).records);
      }
    },
  });
  new Gauge({
    name: "ratchet_outbox_parked_records",
    help: "Outbox records the sink rejected for good, set aside (their machine's later records wait).",
    labelNames,
    registers: [registry],
    async collect() {
      for (const relay of node.relays) {
        this.set({ sink: relay.sink.name }, (await node.storage.outboxBacklog(relay.sink.name)).parked);
      }
    },
  });
  new Gauge({
    name: "ratchet_outbox_lag_seconds",
    help: "Age of the oldest outbox record waiting for the sink (0 when none waits).",
    labelNames,
    registers: [registry],
    async collect() {
      for (const relay of node.relays) {
        const { oldestCreatedAtUs } = await node.storage.outboxBacklog(relay.sink.name);
        const lagUs = oldestCreatedAtUs === null ? 0 : node.clock.nowUs() - oldestCreatedAtUs;
        this.set({ sink: relay.sink.name }, lagUs / 1e6);
      }
    },
  });
}
