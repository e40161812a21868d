/**
 * The retry policies of steps resolve nearest first, key by key: a named step's `retry` over `retries.timers`
 * over `retries.default` over MG's defaults (and `retries.notifications` over `retries.default` over Ratchet's);
 * `non_retryable` and `on_exhausted` in every policy of a step; `retries.continuation` reaches the relays,
 * `retries.storage` the engine, and `retries.processor` comes back as an ignored key. Nothing written changes
 * nothing: an MG file yields the engine options it did before these keys existed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig, parseConfig } from "../../src/config/config.js";
import type { RetryPolicy } from "../../src/core/retry-policy.js";
import {
  DEFAULT_NOTIFICATION_RETRY_POLICY,
  DEFAULT_TIMER_RETRY_POLICY,
} from "../../src/core/retry-policy.js";
import { DEFAULT_JOURNAL, DEFAULT_PROCESSOR, type NamespaceOptions } from "../../src/engine/namespace.js";
import { nodeOptionsFromConfig } from "../../src/runtime/node-from-config.js";

const MACHINEGUN = fileURLToPath(new URL("../../../tests/config/machinegun-config.yaml", import.meta.url));
const MINIMAL = "namespaces:\n  pay:\n    processor:\n      url: http://localhost:8022/processor\n";

function withNamespace(namespaceKeys: string): string {
  const indented = namespaceKeys
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
  return `${MINIMAL}${indented}\n`;
}

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, {});
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  assert.fail("expected the configuration to be refused");
}

/** The engine options the node would be built with; the woody clients are closed at once. */
async function engineOptionsOf(yaml: string): Promise<{ namespaces: NamespaceOptions[]; relay: unknown }> {
  const configured = nodeOptionsFromConfig(parseConfig(yaml, {}), { relaysEnabled: false });
  await Promise.all(configured.clients.map((client) => client.close?.()));
  return {
    namespaces: configured.options.namespaces(() => assert.fail("unused")),
    relay: configured.options.relay,
  };
}

const MG_STORAGE_POLICY: RetryPolicy = {
  backoff: { kind: "exponential", initialIntervalMs: 10, factor: 2 },
  maxIntervalMs: 60_000,
};

test("nothing written: MG's defaults exactly, no steps, the engine's journal defaults, no flow, no continuation", async () => {
  const pay = parseConfig(MINIMAL, {}).namespaces.pay!;
  assert.deepEqual(pay.retries.timers, DEFAULT_TIMER_RETRY_POLICY);
  assert.deepEqual(pay.retries.notifications, DEFAULT_NOTIFICATION_RETRY_POLICY);
  assert.deepEqual(pay.retries.storage, MG_STORAGE_POLICY);
  assert.equal(pay.retries.continuation, null, "the relay keeps its own backoff");
  assert.deepEqual(pay.steps, {});
  assert.deepEqual(pay.journal, DEFAULT_JOURNAL);
  assert.equal(pay.flow, null);
  const { namespaces, relay } = await engineOptionsOf(MINIMAL);
  const options = namespaces[0]!;
  assert.deepEqual(options.timerRetryPolicy, DEFAULT_TIMER_RETRY_POLICY);
  assert.deepEqual(options.notificationRetryPolicy, DEFAULT_NOTIFICATION_RETRY_POLICY);
  assert.deepEqual(options.storageRetryPolicy, MG_STORAGE_POLICY);
  assert.deepEqual(options.steps, {});
  assert.deepEqual(options.journal, DEFAULT_JOURNAL);
  assert.equal(options.flow, undefined);
  assert.deepEqual(relay, { continuationPolicies: new Map() });
});

test("an MG config.yaml gives the engine the same options as before: MG's policies, nothing of steps", async () => {
  const config = await loadConfig(MACHINEGUN, { MG_DATA_DIR: "/var/lib/mg" });
  const configured = nodeOptionsFromConfig(config, { relaysEnabled: false });
  await Promise.all(configured.clients.map((client) => client.close?.()));
  const [options] = configured.options.namespaces(() => assert.fail("unused"));
  assert.ok(options !== undefined);
  assert.deepEqual(options.timerRetryPolicy, DEFAULT_TIMER_RETRY_POLICY);
  assert.deepEqual(options.notificationRetryPolicy, DEFAULT_NOTIFICATION_RETRY_POLICY);
  assert.deepEqual(options.steps, {});
  assert.deepEqual(options.journal, DEFAULT_JOURNAL);
  assert.equal(options.flow, undefined);
  assert.deepEqual(configured.options.relay, { continuationPolicies: new Map() });
  assert.ok(!config.ignoredKeys.some((key) => key.path.includes("retries")), "no retry key is warned about");
});

test("nearest wins key by key: a step's retry over retries.timers over retries.default over MG's", () => {
  const pay = parseConfig(
    withNamespace(
      [
        "retries:",
        "  default: {max_retries: 5, on_exhausted: pause, non_retryable: [card_expired]}",
        "  timers: {factor: 3}",
        "steps:",
        "  capture:",
        "    retry: {timeout: 100ms, non_retryable: [processor_timeout]}",
        "  notify_bank: {timeout: 2s}",
      ].join("\n"),
    ),
    {},
  ).namespaces.pay!;
  assert.deepEqual(pay.retries.timers, {
    backoff: { kind: "exponential", initialIntervalMs: 1000, factor: 3 },
    maxAttempts: 5,
    maxIntervalMs: 30 * 60 * 1000,
    nonRetryable: ["card_expired"],
    onExhausted: "pause",
  });
  // max_retries is one key: 5 replaces the notifications' default of {max_total_timeout: 1d}.
  assert.deepEqual(pay.retries.notifications, {
    backoff: { kind: "exponential", initialIntervalMs: 1000, factor: 2 },
    maxAttempts: 5,
    maxIntervalMs: 5 * 60 * 1000,
    nonRetryable: ["card_expired"],
    onExhausted: "pause",
  });
  assert.deepEqual(pay.steps.capture!.retry, {
    backoff: { kind: "exponential", initialIntervalMs: 100, factor: 3 },
    maxAttempts: 5,
    maxIntervalMs: 30 * 60 * 1000,
    nonRetryable: ["processor_timeout"],
    onExhausted: "pause",
  });
  assert.equal(pay.steps.notify_bank!.retry, null, "a step without retry retries under retries.timers");
});

test("a kind's policy wins over retries.default, and a step may change the type its kind chose", () => {
  const pay = parseConfig(
    withNamespace(
      [
        "retries:",
        "  default: {type: intervals, timeouts: [1s, 2s]}",
        "  notifications: {type: linear, timeout: 5s, max_retries: 3}",
        "steps:",
        "  risk_check:",
        "    retry: {type: exponential, on_exhausted: fail}",
      ].join("\n"),
    ),
    {},
  ).namespaces.pay!;
  assert.deepEqual(pay.retries.timers, { backoff: { kind: "intervals", intervalsMs: [1000, 2000] } });
  assert.deepEqual(pay.retries.notifications, {
    backoff: { kind: "linear", initialIntervalMs: 5000, incrementMs: 0 },
    maxAttempts: 3,
  });
  // MG's exponential timer keys lie beneath the intervals that retries.default chose, so they come back.
  assert.deepEqual(pay.steps.risk_check!.retry, {
    backoff: { kind: "exponential", initialIntervalMs: 1000, factor: 2 },
    maxAttempts: 100,
    maxIntervalMs: 30 * 60 * 1000,
    onExhausted: "fail",
  });
});

test("non_retryable and on_exhausted are read in retries.notifications and retries.timers themselves", () => {
  const pay = parseConfig(
    withNamespace(
      [
        "retries:",
        "  timers: {on_exhausted: pause, non_retryable: [processor_timeout]}",
        "  notifications: {on_exhausted: pause, non_retryable: [card_expired, processor_unavailable]}",
      ].join("\n"),
    ),
    {},
  ).namespaces.pay!;
  assert.deepEqual(pay.retries.timers, {
    ...DEFAULT_TIMER_RETRY_POLICY,
    nonRetryable: ["processor_timeout"],
    onExhausted: "pause",
  });
  assert.deepEqual(pay.retries.notifications, {
    ...DEFAULT_NOTIFICATION_RETRY_POLICY,
    nonRetryable: ["card_expired", "processor_unavailable"],
    onExhausted: "pause",
  });
});

test("named steps reach the engine: processor (`processor` is the default one), deadline, resolved policy", async () => {
  const yaml = withNamespace(
    [
      "processors:",
      "  bank: {url: 'http://bank:8022/p'}",
      "retries:",
      "  timers: {max_retries: 7}",
      "steps:",
      "  bank_session: {processor: bank, timeout: 3s, retry: {on_exhausted: pause}}",
      "  capture: {processor: processor}",
    ].join("\n"),
  );
  const [options] = (await engineOptionsOf(yaml)).namespaces;
  assert.deepEqual(options?.steps, {
    bank_session: {
      processor: "bank",
      timeoutMs: 3000,
      retryPolicy: { ...DEFAULT_TIMER_RETRY_POLICY, maxAttempts: 7, onExhausted: "pause" },
    },
    capture: { processor: DEFAULT_PROCESSOR },
  });
  assert.deepEqual(options?.timerRetryPolicy, { ...DEFAULT_TIMER_RETRY_POLICY, maxAttempts: 7 });
});

test("retries.continuation reaches every relay by namespace; retries.storage reaches the engine", async () => {
  const yaml = withNamespace(
    [
      "retries:",
      "  continuation: {max_retries: 3, non_retryable: [sink_unavailable]}",
      "  storage: {type: intervals, timeouts: [10ms, 20ms]}",
    ].join("\n"),
  );
  const pay = parseConfig(yaml, {}).namespaces.pay!;
  const continuation: RetryPolicy = {
    backoff: { kind: "exponential", initialIntervalMs: 10, factor: 2 },
    maxAttempts: 3,
    maxIntervalMs: 60_000,
    nonRetryable: ["sink_unavailable"],
  };
  assert.deepEqual(pay.retries.continuation, continuation);
  const { namespaces, relay } = await engineOptionsOf(yaml);
  assert.deepEqual(relay, { continuationPolicies: new Map([["pay", continuation]]) });
  assert.deepEqual(namespaces[0]?.storageRetryPolicy, {
    backoff: { kind: "intervals", intervalsMs: [10, 20] },
  });
});

test("retries.processor is accepted and comes back as an ignored key that says why; it stays validated", () => {
  const config = parseConfig(withNamespace("retries:\n  processor: {max_retries: 2}"), {});
  assert.deepEqual(config.ignoredKeys, [
    {
      path: "namespaces.pay.retries.processor",
      reason:
        "MG itself never read it; a failed processor call is retried under retries.timers, retries.notifications or a step's retry",
    },
  ]);
  assert.deepEqual(problems(withNamespace("retries:\n  processor: {factor: 0}")), [
    "namespaces.pay.retries.processor.factor: must be a number ≥ 1; got 0",
  ]);
});

test("bad policies are refused at the key that caused them, across the layers", () => {
  assert.deepEqual(
    problems(
      withNamespace(
        [
          "retries:",
          "  default: {on_exhausted: retry, non_retryable: [''], jitter: 2}",
          "  timers: {non_retryable: processor_timeout}",
          "  continuation: {on_exhausted: pause}",
          "  storage: {on_exhausted: fail}",
        ].join("\n"),
      ),
    ),
    [
      "namespaces.pay.retries.continuation.on_exhausted: applies only to the retry policies of steps (default, timers, notifications, steps.<name>.retry)",
      "namespaces.pay.retries.default.jitter: must be a number in 0..1; got 2",
      'namespaces.pay.retries.default.non_retryable[0]: must be non-empty text; got ""',
      'namespaces.pay.retries.default.on_exhausted: must be one of fail, pause; got "retry"',
      "namespaces.pay.retries.storage.on_exhausted: applies only to the retry policies of steps (default, timers, notifications, steps.<name>.retry)",
      'namespaces.pay.retries.timers.non_retryable: must be a list; got "processor_timeout"',
    ],
  );
  // The layer that chose a type is the one told what that type needs.
  assert.deepEqual(problems(withNamespace("retries:\n  default: {type: intervals}")), [
    "namespaces.pay.retries.default.timeouts: is required for type intervals",
  ]);
  assert.deepEqual(
    problems(
      withNamespace("retries:\n  timers: {timeout: 2s}\nsteps:\n  capture:\n    retry: {type: intervals}"),
    ),
    ["namespaces.pay.steps.capture.retry.timeouts: is required for type intervals"],
  );
  assert.deepEqual(problems(withNamespace("steps:\n  capture:\n    retry: {tries: 3}")), [
    "namespaces.pay.steps.capture.retry.tries: unknown key",
  ]);
});
