/**
 * Proves the CLI's pure parts in process, without a child: every error class maps to its documented exit code
 * (including node:util parseArgs errors, recognised by code), and payloads render as msgpack's readable JSON,
 * as "(empty)" for no bytes, or as base64 saying why when the bytes are not one msgpack.Value.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseArgs } from "node:util";
import { UsageError } from "../../src/cli/command-arguments.js";
import { EXIT, exitCodeOf } from "../../src/cli/exit-codes.js";
import { displayText, payloadText, payloadView } from "../../src/cli/machine-view.js";
import { StorageMissingError } from "../../src/cli/storage-target.js";
import { durationText } from "../../src/cli/text-format.js";
import { ConfigError } from "../../src/config/errors.js";
import {
  InvalidRequestError,
  LimitExceededError,
  MachineAlreadyExistsError,
  MachineFailedError,
  MachineNotFoundError,
  MachineNotPausedError,
  MachinePausedError,
  NamespaceNotFoundError,
  NotificationNotFoundError,
  ProcessorUnavailableError,
  StorageUnavailableError,
} from "../../src/core/errors.js";
import { nextAfterOf } from "../../src/core/history-range.js";
import type { MachineRecord } from "../../src/core/machine.js";
import { pack } from "../../src/processors/payload.js";

test("each error class has its exit code: 2 usage or configuration, 3 not found, 4 paused, 5 not paused, 1 anything else", () => {
  const parseArgsError = (() => {
    try {
      parseArgs({ args: ["--nope"], options: {} });
    } catch (error) {
      return error;
    }
    throw new Error("parseArgs accepted an unknown option");
  })();
  const cases: [unknown, number][] = [
    [new UsageError("bad"), EXIT.usage],
    [new ConfigError([{ path: "x", message: "bad" }]), EXIT.usage],
    [new StorageMissingError("no file"), EXIT.usage],
    [new InvalidRequestError("bad", "args"), EXIT.usage],
    [new LimitExceededError("args", 2, 1), EXIT.usage],
    [parseArgsError, EXIT.usage],
    [new NamespaceNotFoundError("ns"), EXIT.notFound],
    [new MachineNotFoundError("ns", "id"), EXIT.notFound],
    [new NotificationNotFoundError("n"), EXIT.notFound],
    [new MachinePausedError("ns", "id", "bank outage"), EXIT.paused],
    [new MachineNotPausedError("ns", "id", "paused"), EXIT.notPaused],
    [new MachineNotPausedError("ns", "id", "waiting or retrying"), EXIT.notPaused],
    [new MachineAlreadyExistsError("ns", "id"), EXIT.failed],
    [new MachineFailedError("ns", "id", "crashed"), EXIT.failed],
    [new ProcessorUnavailableError("down"), EXIT.failed],
    [new StorageUnavailableError("down"), EXIT.failed],
    [new Error("anything"), EXIT.failed],
    ["a thrown string", EXIT.failed],
  ];
  for (const [error, code] of cases) assert.equal(exitCodeOf(error), code, String(error));
});

test("payloads: readable JSON for a msgpack.Value, (empty) for no bytes, base64 with the reason otherwise", () => {
  assert.deepEqual(payloadView(pack({ a: [1, "x"] })), { encoding: "json", value: { a: [1, "x"] } });
  assert.deepEqual(payloadView(pack({ a: [1, "x"] }), "msgpack-json"), {
    encoding: "msgpack",
    value: { obj: [["a", [1, "x"]]] },
  });
  assert.equal(payloadText(payloadView(pack("hi"))), '"hi"');
  assert.deepEqual(payloadView(new Uint8Array(0)), { encoding: "empty" });
  assert.equal(payloadText(payloadView(new Uint8Array(0))), "(empty)");
  const raw = payloadView(Uint8Array.from([0xff, 0x00, 0x01]));
  assert.equal(raw.encoding, "base64");
  assert.ok(raw.encoding === "base64");
  assert.equal(raw.base64, "/wAB");
  assert.match(raw.why, /^not a msgpack\.Value: /);
  assert.match(payloadText(raw), /^base64 \/wAB \(not a msgpack\.Value: .+\)$/);
});

test("paging hints, ids that need quoting, and lags", () => {
  const record = { lastEventId: 5 } as MachineRecord;
  const events = (...ids: number[]) => ids.map((id) => ({ id, createdAtUs: 0, data: new Uint8Array(0) }));
  assert.equal(nextAfterOf(record, events(1, 2), { direction: "forward", limit: 2 }), 2);
  assert.equal(nextAfterOf(record, events(4, 5), { direction: "forward", limit: 2 }), null);
  assert.equal(nextAfterOf(record, events(2, 1), { direction: "backward", limit: 2 }), null);
  assert.equal(nextAfterOf(record, events(1, 2, 3), { direction: "forward", limit: 5 }), null);
  assert.equal(displayText("order-1"), "order-1");
  assert.equal(displayText("two words"), '"two words"');
  assert.equal(displayText(""), '""');
  assert.deepEqual([0.44, 3, 9.96, 850, 12_340, 245_000, 7_380_000].map(durationText), [
    "0.4ms",
    "3ms",
    "10ms",
    "850ms",
    "12.3s",
    "4m 05s",
    "2h 03m",
  ]);
});
