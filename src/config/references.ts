/**
 * Checks of names that refer to other keys: sink and lifecycle clients must be defined under `kafka`, routes and
 * named steps must name a configured processor. They read the raw tree, so they run (and report) even when other keys
 * are bad; a value of the wrong type is left to the schema to report.
 */
import type { Mapping } from "./document.js";
import { isMapping } from "./document.js";
import type { ConfigIssue } from "./errors.js";
import { formatConfigPath } from "./errors.js";
import { DEFAULT_ROUTE } from "./namespace.js";

/**
 * Processor names a namespace may not use: `processor` is the word routes use for the namespace's own
 * processor, and `default` is the engine's key for it (engine/namespace.ts DEFAULT_PROCESSOR).
 */
const RESERVED_PROCESSOR_NAMES = [DEFAULT_ROUTE, "default"];

function keysOf(value: unknown): string[] {
  return isMapping(value) ? Object.keys(value) : [];
}

function quoteList(names: readonly string[]): string {
  return names.length === 0 ? "none" : names.map((name) => JSON.stringify(name)).join(", ");
}

export function checkReferences(tree: Mapping): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const issue = (path: readonly PropertyKey[], message: string) =>
    issues.push({ path: formatConfigPath(path), message });
  const kafkaClients = keysOf(tree.kafka);
  const checkClient = (client: unknown, path: readonly PropertyKey[]) => {
    if (typeof client === "string" && !kafkaClients.includes(client)) {
      issue(
        path,
        `names Kafka client ${JSON.stringify(client)}, which kafka does not define (defined: ${quoteList(kafkaClients)})`,
      );
    }
  };
  if (isMapping(tree.lifecycle_pulse))
    checkClient(tree.lifecycle_pulse.client, ["lifecycle_pulse", "client"]);
  const namespaces = isMapping(tree.namespaces) ? tree.namespaces : {};
  for (const [name, namespace] of Object.entries(namespaces)) {
    if (!isMapping(namespace)) continue;
    const path = ["namespaces", name];
    const sinks = isMapping(namespace.event_sinks) ? namespace.event_sinks : {};
    for (const [sinkName, sink] of Object.entries(sinks)) {
      if (isMapping(sink) && sink.type === "kafka")
        checkClient(sink.client, [...path, "event_sinks", sinkName, "client"]);
    }
    const processors = keysOf(namespace.processors);
    for (const reserved of processors.filter((processor) => RESERVED_PROCESSOR_NAMES.includes(processor))) {
      issue(
        [...path, "processors", reserved],
        `is a reserved name (${quoteList(RESERVED_PROCESSOR_NAMES)}); choose another`,
      );
    }
    const checkProcessor = (target: unknown, where: readonly PropertyKey[]) => {
      if (typeof target === "string" && target !== DEFAULT_ROUTE && !processors.includes(target)) {
        issue(
          where,
          `names processor ${JSON.stringify(target)}, which is neither "${DEFAULT_ROUTE}" nor one of processors (${quoteList(processors)})`,
        );
      }
    };
    const routes = isMapping(namespace.routes) ? namespace.routes : {};
    for (const [kind, target] of Object.entries(routes)) checkProcessor(target, [...path, "routes", kind]);
    const steps = isMapping(namespace.steps) ? namespace.steps : {};
    for (const [step, settings] of Object.entries(steps)) {
      if (isMapping(settings)) checkProcessor(settings.processor, [...path, "steps", step, "processor"]);
    }
    if (namespace.reply_after === "sink_ack" && Object.keys(sinks).length === 0) {
      issue([...path, "reply_after"], "sink_ack needs at least one kafka or nats event sink");
    }
  }
  return issues;
}
