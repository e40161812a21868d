/**
 * `namespaces.<ns>`: MG's namespace keys with MG's defaults, plus Ratchet's extensions (named processors and
 * per-step routes, notification timeout, limits, reply_after). Names that refer to other keys (routes, sink
 * clients) are checked in references.ts, so they are reported even when other keys are bad.
 */
import { z } from "zod";
import type { Limits } from "../core/limits.js";
import { resolveLimits } from "../core/limits.js";
import type { StepKind } from "../core/step.js";
import type { EventSinkConfig, EventSinkDraft } from "./event-sinks.js";
import { completeEventSink, eventSinkSchema } from "./event-sinks.js";
import { limitsSchema } from "./limits.js";
import type { NamespaceRetries } from "./retries.js";
import { retriesSchema } from "./retries.js";
import type { NotificationSchedulerConfig, OverseerConfig, TimerSchedulerConfig } from "./schedulers.js";
import { notificationSchema, overseerSchema, timersSchema } from "./schedulers.js";
import { durationMs, integer, number, oneOf, text, url } from "./values.js";

/** Ratchet extension: TLS of an `https://` endpoint, PEM files read when the node starts. */
export interface EndpointTlsConfig {
  /** CAs to trust instead of the system's. */
  readonly caFile?: string;
  /** A client certificate and its key, for servers that ask for one; both or neither. */
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** How Ratchet talks to a processor: MG's woody (Thrift over HTTP), or JSON over HTTP (processor-protocol.md). */
export type ProcessorProtocol = "woody" | "http-json";

export interface ProcessorEndpointConfig {
  /** Where the service listens, `http://` or `https://`. */
  readonly url: string;
  /** Ratchet extension: the protocol it speaks; woody unless said. A modernizer speaks woody only. */
  readonly protocol: ProcessorProtocol;
  /** TLS settings of an `https://` URL; null for the system's CAs and no client certificate. */
  readonly tls: EndpointTlsConfig | null;
  /** Connections kept to it (MG: 50). */
  readonly poolSize: number;
  /** How long an idle connection is kept open, ms (MG: 4 s). */
  readonly httpKeepAliveTimeoutMs: number;
}

export interface ModernizerConfig {
  /** Events with an older (or no) format version are upgraded by Modernize. */
  readonly currentFormatVersion: number;
  /** The service that upgrades one event. */
  readonly handler: ProcessorEndpointConfig;
}

export interface NamespaceConfig {
  /** The namespace's name, as clients pass it. */
  readonly name: string;
  /** The processor every step goes to unless `routes` names another. */
  readonly processor: ProcessorEndpointConfig;
  /** Ratchet extension: more processors by name, for `routes`. */
  readonly processors: Readonly<Record<string, ProcessorEndpointConfig>>;
  /** Ratchet extension: the processor name of each kind of step; absent kinds go to `processor`. */
  readonly routes: Partial<Readonly<Record<StepKind, string>>>;
  /** Deadline of start, call, repair and remove when the caller sends none, ms (MG: 30 s). */
  readonly defaultProcessingTimeoutMs: number;
  /** Deadline of a timer step, ms (MG: 60 s). */
  readonly timerProcessingTimeoutMs: number;
  /** Ratchet extension: deadline of a notification step, ms (MG's fixed 5 s). */
  readonly notificationProcessingTimeoutMs: number;
  /** Retry policies by what is retried, MG's defaults filled. */
  readonly retries: NamespaceRetries;
  /** The timer scan; null when `disabled`. */
  readonly timers: TimerSchedulerConfig | null;
  /** The scan that resumes machines left in `processing`; null when `disabled`. */
  readonly overseer: OverseerConfig | null;
  /** The scan that re-delivers notifications; null when `disabled`. */
  readonly notification: NotificationSchedulerConfig | null;
  /** Where committed events are published, by sink name. */
  readonly eventSinks: Readonly<Record<string, EventSinkConfig>>;
  /** The modernizer; null when none is configured. */
  readonly modernizer: ModernizerConfig | null;
  /** Ratchet extension: the top-level limits with this namespace's overrides. */
  readonly limits: Limits;
  /** Ratchet extension: answer a caller after the commit (MG's order is after the sinks) or after sink acks. */
  readonly replyAfter: "commit" | "sink_ack";
}

const ENDPOINT_TLS = z
  .strictObject({ ca_file: text().optional(), cert_file: text().optional(), key_file: text().optional() })
  .superRefine((tls, context) => {
    if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) {
      context.addIssue({
        code: "custom",
        message: "cert_file and key_file go together",
        path: ["cert_file"],
      });
    }
  })
  .transform(
    (tls): EndpointTlsConfig => ({
      ...(tls.ca_file === undefined ? {} : { caFile: tls.ca_file }),
      ...(tls.cert_file === undefined ? {} : { certFile: tls.cert_file }),
      ...(tls.key_file === undefined ? {} : { keyFile: tls.key_file }),
    }),
  );

function isHttps(text: string): boolean {
  return URL.canParse(text) && new URL(text).protocol === "https:";
}

/** `protocols` lists what the endpoint may speak; the first is its default. */
function processorEndpointSchema(protocols: readonly [ProcessorProtocol, ...ProcessorProtocol[]]) {
  return z
    .strictObject({
      url: url(["http", "https"]),
      protocol: oneOf(protocols).prefault(protocols[0]),
      tls: ENDPOINT_TLS.optional(),
      pool_size: integer({ min: 1 }).prefault(50),
      http_keep_alive_timeout: durationMs().prefault("4s"),
    })
    .superRefine((endpoint, context) => {
      if (endpoint.tls !== undefined && !isHttps(endpoint.url)) {
        context.addIssue({ code: "custom", message: "is only for https:// URLs", path: ["tls"] });
      }
    })
    .transform(
      (endpoint): ProcessorEndpointConfig => ({
        url: endpoint.url,
        protocol: endpoint.protocol,
        tls: endpoint.tls ?? null,
        poolSize: endpoint.pool_size,
        httpKeepAliveTimeoutMs: endpoint.http_keep_alive_timeout,
      }),
    );
}

const PROCESSOR_PROTOCOLS = ["woody", "http-json"] as const;

/** The word a route uses for the namespace's own `processor`. */
export const DEFAULT_ROUTE = "processor";

const ROUTES = z
  .strictObject({
    init: text().optional(),
    call: text().optional(),
    repair: text().optional(),
    timer: text().optional(),
    notification: text().optional(),
  })
  .prefault({})
  .transform((routes): Partial<Record<StepKind, string>> => {
    const named = Object.entries(routes).filter(([, name]) => name !== undefined && name !== DEFAULT_ROUTE);
    return Object.fromEntries(named);
  });

const MODERNIZER = z
  .strictObject({
    current_format_version: integer({ min: 1 }),
    handler: processorEndpointSchema(["woody"]),
  })
  .transform(
    (modernizer): ModernizerConfig => ({
      currentFormatVersion: modernizer.current_format_version,
      handler: modernizer.handler,
    }),
  );

/** Keys MG reads and Ratchet only validates; ignored-keys.ts reports them. */
const UNUSED_DURATION = durationMs({ infinity: true }).optional();

const NAMESPACE = z.strictObject({
  processor: processorEndpointSchema(PROCESSOR_PROTOCOLS),
  processors: z.record(z.string(), processorEndpointSchema(PROCESSOR_PROTOCOLS)).prefault({}),
  routes: ROUTES,
  default_processing_timeout: durationMs({ positive: true }).prefault("30s"),
  timer_processing_timeout: durationMs({ positive: true }).prefault("60s"),
  notification_processing_timeout: durationMs({ positive: true }).prefault("5s"),
  reschedule_timeout: UNUSED_DURATION,
  hibernate_timeout: UNUSED_DURATION,
  unload_timeout: UNUSED_DURATION,
  shutdown_timeout: UNUSED_DURATION,
  retries: retriesSchema(),
  timers: timersSchema(),
  overseer: overseerSchema(),
  notification: notificationSchema(),
  event_sinks: z.record(z.string(), eventSinkSchema()).prefault({}),
  event_stash_size: integer({ min: 0 }).optional(),
  modernizer: MODERNIZER.optional(),
  suicide_probability: number({ min: 0, max: 1 }).optional(),
  limits: limitsSchema(),
  reply_after: oneOf(["commit", "sink_ack"]).prefault("commit"),
});

/** A namespace as its own keys describe it; `completeNamespace` adds what depends on its name and the top level. */
export type NamespaceDraft = Omit<NamespaceConfig, "name" | "limits" | "eventSinks"> & {
  readonly eventSinks: Readonly<Record<string, EventSinkDraft>>;
  readonly limitOverrides: Partial<Limits>;
};

export function namespaceSchema() {
  return NAMESPACE.transform(
    (namespace): NamespaceDraft => ({
      processor: namespace.processor,
      processors: namespace.processors,
      routes: namespace.routes,
      defaultProcessingTimeoutMs: namespace.default_processing_timeout,
      timerProcessingTimeoutMs: namespace.timer_processing_timeout,
      notificationProcessingTimeoutMs: namespace.notification_processing_timeout,
      retries: namespace.retries,
      timers: namespace.timers,
      overseer: namespace.overseer,
      notification: namespace.notification,
      eventSinks: namespace.event_sinks,
      modernizer: namespace.modernizer ?? null,
      limitOverrides: namespace.limits,
      replyAfter: namespace.reply_after,
    }),
  );
}

/** Names the namespace, fills the sink defaults that use its name, and lays its limits over the top-level ones. */
export function completeNamespace(
  name: string,
  draft: NamespaceDraft,
  topLimits: Partial<Limits>,
): NamespaceConfig {
  const { limitOverrides, eventSinks, ...rest } = draft;
  return {
    name,
    ...rest,
    eventSinks: Object.fromEntries(
      Object.entries(eventSinks).map(([sinkName, sink]) => [sinkName, completeEventSink(sink, name)]),
    ),
    limits: resolveLimits({ ...topLimits, ...limitOverrides }),
  };
}
