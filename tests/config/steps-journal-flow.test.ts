/**
 * `steps.<name>`, `journal` and `flow` (Ratchet extensions) read into the documented shapes and reach the
 * engine's NamespaceOptions; each bad value is refused with an error naming its key: step names, a step's
 * processor that is not configured, a kind of step written as a named step, journal bounds, and transitions
 * whose ends the flow does not list.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, parseConfig } from "../../src/config/config.js";
import { resolveNamespace } from "../../src/engine/namespace.js";
import { nodeOptionsFromConfig } from "../../src/runtime/node-from-config.js";

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

const PAYMENT_FLOW = [
  "flow:",
  "  strict: true",
  "  steps: [init, risk_check, bank_session, capture]",
  "  transitions:",
  "    init: [risk_check]",
  "    risk_check: [bank_session]",
  "    bank_session: [bank_session, capture]",
].join("\n");

test("journal: every key read, the engine's defaults otherwise, and the values reach the engine", async () => {
  const yaml = withNamespace("journal: {enabled: false, steps_per_machine: 50, max_age: 7d}");
  const pay = parseConfig(yaml, {}).namespaces.pay!;
  assert.deepEqual(pay.journal, { enabled: false, stepsPerMachine: 50, maxAgeMs: 7 * 24 * 60 * 60 * 1000 });
  assert.deepEqual(parseConfig(withNamespace("journal: {max_age: 1h}"), {}).namespaces.pay!.journal, {
    enabled: true,
    stepsPerMachine: 1000,
    maxAgeMs: 3_600_000,
  });
  const configured = nodeOptionsFromConfig(parseConfig(yaml, {}), { relaysEnabled: false });
  await Promise.all(configured.clients.map((client) => client.close?.()));
  const [options] = configured.options.namespaces(() => assert.fail("unused"));
  assert.deepEqual(options?.journal, pay.journal);
});

test("flow: steps and the mapping of transitions become pairs in the order written; strict defaults to false", async () => {
  const pay = parseConfig(withNamespace(PAYMENT_FLOW), {}).namespaces.pay!;
  const declared = {
    strict: true,
    steps: ["init", "risk_check", "bank_session", "capture"],
    transitions: [
      ["init", "risk_check"],
      ["risk_check", "bank_session"],
      ["bank_session", "bank_session"],
      ["bank_session", "capture"],
    ],
  };
  assert.deepEqual(pay.flow, declared);
  assert.deepEqual(parseConfig(withNamespace("flow:\n  steps: [a]"), {}).namespaces.pay!.flow, {
    strict: false,
    steps: ["a"],
    transitions: [],
  });
  const configured = nodeOptionsFromConfig(parseConfig(withNamespace(PAYMENT_FLOW), {}), {
    relaysEnabled: false,
  });
  await Promise.all(configured.clients.map((client) => client.close?.()));
  const [options] = configured.options.namespaces(() => assert.fail("unused"));
  assert.deepEqual(options?.flow, declared);
  // The engine takes the options as they are: its own checks (processor names, policies) pass.
  assert.deepEqual(resolveNamespace(options!).flow, declared);
});

test("steps: a name may use letters, digits, _ . and -, up to 64; a timeout and processor of its own", () => {
  const name = `a.B-9_${"x".repeat(58)}`;
  const yaml = withNamespace(
    [
      "processors:",
      "  bank: {url: 'http://bank:8022/p'}",
      "steps:",
      `  ${name}: {processor: bank}`,
      "  capture: {timeout: 90s}",
    ].join("\n"),
  );
  const steps = parseConfig(yaml, {}).namespaces.pay!.steps;
  assert.deepEqual(steps, {
    [name]: { processor: "bank", timeoutMs: null, retry: null },
    capture: { processor: null, timeoutMs: 90_000, retry: null },
  });
});

test("bad steps are refused by key: names, kinds of step, unknown processors, timeouts, unknown keys", () => {
  assert.deepEqual(
    problems(
      withNamespace(
        [
          "processors:",
          "  bank: {url: 'http://bank:8022/p'}",
          "steps:",
          `  ${"y".repeat(65)}: {}`,
          "  'risk check': {}",
          "  call: {processor: bank}",
          "  capture: {processor: bnak, timeout: 0s, deadline: 1s}",
        ].join("\n"),
      ),
    ),
    [
      "namespaces.pay.steps.call: is a kind of step, not a named step: its settings are routes.call and default_processing_timeout",
      "namespaces.pay.steps.capture.deadline: unknown key",
      'namespaces.pay.steps.capture.processor: names processor "bnak", which is neither "processor" nor one of processors ("bank")',
      "namespaces.pay.steps.capture.timeout: must be longer than 0ms",
      `namespaces.pay.steps.${"y".repeat(65)}: must be a step name (1 to 64 letters, digits, _, . or -); got "${"y".repeat(65)}"`,
      'namespaces.pay.steps["risk check"]: must be a step name (1 to 64 letters, digits, _, . or -); got "risk check"',
    ],
  );
});

test("bad journal settings are refused by key", () => {
  assert.deepEqual(
    problems(withNamespace("journal: {enabled: yes, steps_per_machine: 0, max_age: infinity, keep: 1}")),
    [
      'namespaces.pay.journal.enabled: must be true or false; got "yes"',
      "namespaces.pay.journal.keep: unknown key",
      "namespaces.pay.journal.max_age: must be a finite duration here, not infinity",
      "namespaces.pay.journal.steps_per_machine: must be a whole number in 1..1000000; got 0",
    ],
  );
});

test("a flow's transitions must join listed steps; names, duplicates and shapes are checked", () => {
  assert.deepEqual(
    problems(
      withNamespace(
        [
          "flow:",
          "  strict: 1",
          "  steps: [init, capture, capture, 'bad name']",
          "  transitions:",
          "    init: [captur, capture, capture]",
          "    refund: [capture]",
        ].join("\n"),
      ),
    ),
    [
      'namespaces.pay.flow.steps[2]: lists "capture" twice',
      'namespaces.pay.flow.steps[3]: must be a step name (1 to 64 letters, digits, _, . or -); got "bad name"',
      "namespaces.pay.flow.strict: must be true or false; got 1",
      'namespaces.pay.flow.transitions.init[0]: names step "captur", which flow.steps does not list ("init", "capture")',
      'namespaces.pay.flow.transitions.init[2]: lists "capture" twice',
      'namespaces.pay.flow.transitions.refund: names step "refund", which flow.steps does not list ("init", "capture")',
    ],
  );
  assert.deepEqual(problems(withNamespace("flow: {strict: true}")), [
    "namespaces.pay.flow.steps: is required",
  ]);
  assert.deepEqual(problems(withNamespace("flow: {steps: []}")), [
    "namespaces.pay.flow.steps: must list at least 1 item(s)",
  ]);
  assert.deepEqual(problems(withNamespace("flow:\n  steps: [a]\n  transitions: [[a, a]]")), [
    "namespaces.pay.flow.transitions: must be a mapping; got a list",
  ]);
});
