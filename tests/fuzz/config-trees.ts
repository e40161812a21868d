/**
 * Valid configuration trees: every section, MG's ignored keys, and `${VAR}` references with the environment
 * that defines them. config-inputs.ts turns them into YAML text, intact or damaged.
 */
import fc from "fast-check";

const positiveDuration = fc
  .tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom("ms", "s", "m", "h", "d", "W"))
  .map(([count, unit]) => `${count}${unit}`);
const duration = fc.oneof(positiveDuration, fc.constantFrom("0ms", "1500mu"));
const size = fc.oneof(fc.integer({ min: 1, max: 65_536 }), fc.constantFrom("1k", "512k", "1M", "8M"));

function some<T extends Record<string, fc.Arbitrary<unknown>>>(
  model: T,
  required: (keyof T & string)[] = [],
) {
  return fc.record(model, { requiredKeys: required, noNullPrototype: true });
}

const scanner = some({
  scan_interval: positiveDuration,
  scan_limit: fc.integer({ min: 1, max: 10_000 }),
  capacity: fc.integer({ min: 1, max: 10_000 }),
  min_scan_delay: duration,
});

const retryPolicy = fc.oneof(
  some(
    {
      type: fc.constant("exponential"),
      max_retries: fc.oneof(
        fc.integer({ min: 0, max: 100 }),
        fc.constant("infinity"),
        some({ max_total_timeout: positiveDuration }, ["max_total_timeout"]),
      ),
      factor: fc.double({ min: 1, max: 10, noNaN: true }),
      timeout: duration,
      max_timeout: fc.oneof(positiveDuration, fc.constant("infinity")),
      jitter: fc.double({ min: 0, max: 1, noNaN: true }),
    },
    ["type"],
  ),
  some({ type: fc.constant("linear"), max_retries: fc.integer({ min: 0, max: 100 }), timeout: duration }, [
    "type",
  ]),
  some({ type: fc.constant("intervals"), timeouts: fc.array(duration, { minLength: 1, maxLength: 3 }) }, [
    "type",
    "timeouts",
  ]),
);

const processor = some(
  {
    url: fc.constantFrom(
      "http://127.0.0.1:8022/v1/processor",
      "https://processor.example:8443/p",
      "http://[::1]:1/",
    ),
    pool_size: fc.integer({ min: 1, max: 100 }),
    http_keep_alive_timeout: duration,
  },
  ["url"],
);

const namespace = some(
  {
    processor,
    default_processing_timeout: positiveDuration,
    timer_processing_timeout: positiveDuration,
    notification_processing_timeout: positiveDuration,
    timers: fc.oneof(fc.constant("disabled"), scanner),
    overseer: fc.oneof(fc.constant("disabled"), scanner),
    notification: fc.oneof(
      fc.constant("disabled"),
      some({
        capacity: fc.integer({ min: 1, max: 100 }),
        scan_cutoff: positiveDuration,
        reschedule_time: duration,
      }),
    ),
    retries: some({
      storage: retryPolicy,
      timers: retryPolicy,
      processor: retryPolicy,
      notifications: retryPolicy,
    }),
    event_sinks: fc.dictionary(
      fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
      fc.oneof(
        some(
          {
            type: fc.constant("nats"),
            stream: fc.constantFrom("ratchet", "events-1"),
            subject_prefix: fc.constantFrom("ratchet", "a.b"),
          },
          ["type"],
        ),
        fc.constant({ type: "kafka", client: "main", topic: "events" }),
      ),
      { maxKeys: 2, noNullPrototype: true },
    ),
    limits: some({
      event_bytes_max: size,
      aux_state_bytes_max: size,
      step_events_max: fc.integer({ min: 1, max: 10_000 }),
    }),
    hibernate_timeout: duration,
    event_stash_size: fc.integer({ min: 0, max: 10 }),
    reply_after: fc.constant("commit"),
  },
  ["processor"],
);

export const configTreeArbitrary = some(
  {
    service_name: fc.constantFrom("machinegun", "ratchet-1"),
    woody_server: some({
      ip: fc.constantFrom("::", "127.0.0.1"),
      port: fc.integer({ min: 0, max: 65_535 }),
      shutdown_timeout: duration,
    }),
    storage: fc.oneof(
      some({ type: fc.constant("sqlite"), path: fc.constantFrom(":memory:", "./data/r.db") }, ["type"]),
      fc.constant({ type: "memory" }),
      some(
        {
          type: fc.constant("postgres"),
          url: fc.constant("postgres://u@127.0.0.1/db"),
          pool_size: fc.integer({ min: 1, max: 50 }),
          schema: fc.constant("ratchet"),
        },
        ["type", "url"],
      ),
    ),
    limits: some({ step_bytes_max: size, history_page_events_max: fc.integer({ min: 1, max: 100_000 }) }),
    kafka: fc.constant({
      main: { endpoints: [{ host: "kafka", port: 9092 }], producer: { max_retries: 3 } },
    }),
    logging: some({ level: fc.constantFrom("info", "debug", "error"), json_log: fc.constant("log.json") }),
    metrics: some({ port: fc.integer({ min: 0, max: 65_535 }) }, ["port"]),
    erlang: fc.constant({ secret_cookie_file: "config/cookie" }),
    namespaces: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_.-]{0,10}$/), namespace, {
      minKeys: 1,
      maxKeys: 3,
      noNullPrototype: true,
    }),
  },
  ["namespaces", "kafka"],
);

/** Names `${…}` may use: ordinary ones, and the names every JavaScript object answers to. */
export const VARIABLE_NAMES = [
  "HOST",
  "PORT",
  "DATA_DIR",
  "A_1",
  "constructor",
  "__proto__",
  "toString",
  "valueOf",
];

/** Keys Ratchet sets aside unread (ignored-keys.ts), so a reference under them is never looked up. */
const UNREAD_KEYS = new Set(["erlang", "json_log"]);

/**
 * Moves some string values into the environment: each chosen leaf becomes `${NAME}`, and the environment
 * defines NAME as the old text. Returns the new tree.
 */
export function withReferences(
  tree: unknown,
  choices: readonly number[],
  env: Record<string, string>,
): unknown {
  let index = -1;
  const walk = (node: unknown): unknown => {
    if (typeof node === "string") {
      index += 1;
      const choice = choices[index % Math.max(choices.length, 1)];
      if (choice === undefined || choice >= VARIABLE_NAMES.length) return node;
      const name = VARIABLE_NAMES[choice]!;
      // One name, one value: a second leaf wanting the same name keeps its text.
      if (Object.hasOwn(env, name) && env[name] !== node) return node;
      Object.defineProperty(env, name, { value: node, enumerable: true, writable: true, configurable: true });
      return `\${${name}}`;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node === "object" && node !== null) {
      return Object.fromEntries(
        Object.entries(node).map(([key, child]) => [key, UNREAD_KEYS.has(key) ? child : walk(child)]),
      );
    }
    return node;
  };
  return walk(tree);
}
