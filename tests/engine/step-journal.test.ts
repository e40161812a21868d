/**
 * The step journal on both adapters: every committed step is recorded in its own commit with its name, kind,
 * processor, attempt and outcome; attempts that end without a commit (a call's transient error, a commit storage
 * could not take, a lost lease) are recorded with the machine's next commit; a named step keeps its name and its
 * processor across a restart between steps; retention prunes by count and by age; a removed machine's journal
 * goes with it; a namespace without a journal records nothing. Real storage, local processors.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { LeaseLostError, ProcessorUnavailableError, StorageUnavailableError } from "../../src/core/errors.js";
import type { JournalEntry } from "../../src/core/journal.js";
import type { NamespaceOptions } from "../../src/engine/namespace.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import type { Storage } from "../../src/storage/storage.js";
import { bothAdapters } from "../support/adapters.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { withOverrides } from "../support/storage-overrides.js";
import { waitFor } from "../support/wait.js";

const FAST_RETRY = {
  backoff: { kind: "linear" as const, initialIntervalMs: 10, incrementMs: 0 },
  maxAttempts: 5,
};

interface Control {
  riskFailures: number;
  bankSteps: number;
  captureDelayMs: number;
}

/** A payment in named steps: init → risk_check → capture; capture belongs to the bank's processor. */
function paymentNamespace(control: Control, extra: Partial<NamespaceOptions> = {}): NamespaceOptions {
  const event = (name: string) => ({ data: json(name) });
  return {
    name: "pay",
    processor: localProcessor({
      init: ({ args }) => {
        const { captureAfterMs } = parse<{ captureAfterMs?: number }>(args);
        if (captureAfterMs !== undefined) {
          return { events: [event("init")], timer: timer.after(captureAfterMs, { step: "capture" }) };
        }
        return { events: [event("init")], timer: timer.now({ step: "risk_check" }) };
      },
      timer: (_input, options) => {
        assert.equal(options.stepName, "risk_check", "only risk_check comes to the default processor");
        if (control.riskFailures > 0) {
          control.riskFailures -= 1;
          throw new ProcessorUnavailableError("the risk service is down");
        }
        return { events: [event("risk checked")], timer: timer.now({ step: "capture" }) };
      },
      call: async ({ args }, options) => {
        const what = parse<string>(args);
        if (what === "flaky") throw new ProcessorUnavailableError("try again");
        if (what === "slow") {
          await sleep(5000, undefined, { signal: options.abortSignal }).catch(() => undefined);
          throw new ProcessorUnavailableError("stopped");
        }
        return { events: [event(`call ${what}`)], response: json("ok") };
      },
    }),
    processors: {
      bank: localProcessor({
        timer: async (_input, options) => {
          assert.equal(options.stepName, "capture");
          control.bankSteps += 1;
          if (control.captureDelayMs > 0) await sleep(control.captureDelayMs);
          return { events: [event("captured")], timer: timer.unset() };
        },
      }),
    },
    steps: { capture: { processor: "bank" } },
    timerRetryPolicy: FAST_RETRY,
    ...extra,
  };
}

const newControl = (): Control => ({ riskFailures: 0, bankSteps: 0, captureDelayMs: 0 });

/** The fields a test can predict: everything but the instants. */
function shape(entries: readonly JournalEntry[]) {
  return entries.map(
    ({ stepNumber, kind, name, processor, attempt, outcome, errorClass, eventsAppended }) => ({
      stepNumber,
      kind,
      name,
      processor,
      attempt,
      outcome,
      errorClass,
      eventsAppended,
    }),
  );
}

const committed = (
  stepNumber: number,
  kind: string,
  name: string,
  processor: string | null,
  attempt = 1,
) => ({
  stepNumber,
  kind,
  name,
  processor,
  attempt,
  outcome: "committed",
  errorClass: null,
  eventsAppended: processor === null ? 0 : 1,
});

for (const adapter of bothAdapters("ratchet_journal")) {
  describe(adapter.name, () => {
    async function withEngine(
      namespace: NamespaceOptions,
      body: (fixture: ReturnType<typeof createTestEngine>) => Promise<void>,
      wrap: (storage: Storage) => Storage = (storage) => storage,
      leaseDurationMs?: number,
    ): Promise<void> {
      const place = await adapter.place();
      const storage = await place.open();
      const fixture = createTestEngine({
        namespaces: [namespace],
        storage: wrap(storage),
        ...(leaseDurationMs === undefined ? {} : { leaseDurationMs }),
      });
      try {
        await body(fixture);
      } finally {
        await fixture.close();
        await storage.close();
        await place.dispose();
      }
    }

    const untilEvents = (fixture: ReturnType<typeof createTestEngine>, id: string, count: number) =>
      waitFor(`${count} events of ${id}`, async () => {
        const machine = await fixture.engine.get("pay", id);
        return machine.record.lastEventId >= count && machine.status === "idle";
      });

    test(`every step is journaled in its own commit with its name, kind, processor and attempt`, async () => {
      const control = newControl();
      control.riskFailures = 1;
      await withEngine(paymentNamespace(control), async (fixture) => {
        await fixture.engine.start("pay", "p1", json({}));
        await untilEvents(fixture, "p1", 3);
        const entries = await fixture.engine.steps("pay", "p1");
        assert.deepEqual(shape(entries), [
          committed(1, "init", "init", "default"),
          {
            stepNumber: 2,
            kind: "timer",
            name: "risk_check",
            processor: "default",
            attempt: 1,
            outcome: "transient_error",
            errorClass: "processor_unavailable",
            eventsAppended: 0,
          },
          committed(3, "timer", "risk_check", "default", 2),
          committed(4, "timer", "capture", "bank"),
        ]);
        assert.equal(entries[1]?.errorText, "the risk service is down");
        for (const entry of entries)
          assert.ok(entry.startedAtUs <= entry.endedAtUs, "a step ends after it starts");
        const { record } = await fixture.engine.get("pay", "p1");
        assert.equal(record.stepNumber, 4, "the record counts the journaled steps");
        const backward = await fixture.engine.steps("pay", "p1", { direction: "backward", limit: 2 });
        assert.deepEqual(
          backward.map((entry) => entry.stepNumber),
          [4, 3],
        );
        const page = await fixture.engine.steps("pay", "p1", { after: 1, limit: 2 });
        assert.deepEqual(
          page.map((entry) => entry.stepNumber),
          [2, 3],
        );
      });
    });

    test(`a call's transient error and a commit storage could not take are journaled with the next commit`, async () => {
      let refuse = false;
      const refusing = (storage: Storage) =>
        withOverrides(storage, {
          commit: (real, steps) => {
            if (refuse && steps.some((step) => step.record.id === "p2")) {
              refuse = false;
              return Promise.reject(new StorageUnavailableError("the database is restarting"));
            }
            return real.commit(steps);
          },
        });
      const namespace = paymentNamespace(newControl(), {
        storageRetryPolicy: {
          backoff: { kind: "linear", initialIntervalMs: 10, incrementMs: 0 },
          maxAttempts: 0,
        },
      });
      await withEngine(
        namespace,
        async (fixture) => {
          await fixture.engine.start("pay", "p2", json({}));
          await untilEvents(fixture, "p2", 3);
          await assert.rejects(fixture.engine.call("pay", "p2", json("flaky")), ProcessorUnavailableError);
          refuse = true;
          await assert.rejects(fixture.engine.call("pay", "p2", json("first")), StorageUnavailableError);
          assert.equal(
            (await fixture.engine.steps("pay", "p2")).length,
            3,
            "nothing is written without a commit",
          );
          await fixture.engine.call("pay", "p2", json("second"));
          const entries = shape(await fixture.engine.steps("pay", "p2"));
          assert.deepEqual(entries.slice(3), [
            {
              ...committed(4, "call", "call", "default"),
              outcome: "transient_error",
              errorClass: "processor_unavailable",
              eventsAppended: 0,
            },
            {
              ...committed(5, "call", "call", "default"),
              outcome: "refused",
              errorClass: "storage_unavailable",
              eventsAppended: 0,
            },
            committed(6, "call", "call", "default"),
          ]);
          const history = (await fixture.engine.get("pay", "p2")).history.map((event) =>
            parse<string>(event.data),
          );
          assert.deepEqual(history.slice(3), ["call second"], "the refused call's event was never committed");
        },
        refusing,
      );
    });

    test(`a step whose lease is lost is journaled as lease_lost by the node's next commit`, async () => {
      let loseLease = false;
      const losing = (storage: Storage) =>
        withOverrides(storage, {
          renewLeases: async (real, leases, untilUs) => {
            const lost = await real.renewLeases(leases, untilUs);
            if (!loseLease) return lost;
            loseLease = false;
            return [...lost, ...leases.filter((lease) => lease.machineId === "p3")];
          },
        });
      await withEngine(
        paymentNamespace(newControl()),
        async (fixture) => {
          await fixture.engine.start("pay", "p3", json({}));
          await untilEvents(fixture, "p3", 3);
          loseLease = true;
          await assert.rejects(fixture.engine.call("pay", "p3", json("slow")), LeaseLostError);
          await fixture.engine.call("pay", "p3", json("after"));
          const entries = shape(await fixture.engine.steps("pay", "p3"));
          assert.deepEqual(entries.slice(3), [
            {
              ...committed(4, "call", "call", "default"),
              outcome: "lease_lost",
              errorClass: "lease_lost",
              eventsAppended: 0,
            },
            committed(5, "call", "call", "default"),
          ]);
        },
        losing,
        600,
      );
    });

    test(`a named step keeps its name and its processor across a restart between steps`, async () => {
      const place = await adapter.place();
      const control = newControl();
      try {
        const first = await place.open();
        const before = createTestEngine({ namespaces: [paymentNamespace(control)], storage: first });
        await before.engine.start("pay", "p4", json({ captureAfterMs: 400 }));
        await before.close();
        await first.close();
        assert.equal(control.bankSteps, 0, "the capture had not run before the restart");

        const second = await place.open();
        const after = createTestEngine({ namespaces: [paymentNamespace(control)], storage: second });
        try {
          await untilEvents(after, "p4", 2);
          assert.equal(control.bankSteps, 1, "the bank's processor ran the capture");
          assert.deepEqual(shape(await after.engine.steps("pay", "p4")), [
            committed(1, "init", "init", "default"),
            committed(2, "timer", "capture", "bank"),
          ]);
        } finally {
          await after.close();
          await second.close();
        }
      } finally {
        await place.dispose();
      }
    });

    test(`retention prunes by steps per machine and by age, off the step's commit`, async () => {
      const control = newControl();
      control.riskFailures = 4;
      await withEngine(paymentNamespace(control, { journal: { stepsPerMachine: 3 } }), async (fixture) => {
        await fixture.engine.start("pay", "p5", json({}));
        await untilEvents(fixture, "p5", 3);
        assert.equal((await fixture.engine.steps("pay", "p5")).length, 7, "before pruning");
        const pruned = await fixture.engine.journalPruner.pruneNow();
        assert.equal(pruned, 4);
        assert.deepEqual(
          (await fixture.engine.steps("pay", "p5")).map((entry) => entry.stepNumber),
          [5, 6, 7],
          "the newest three remain",
        );
        assert.equal(await fixture.engine.journalPruner.pruneNow(), 0, "a second pass finds nothing");
      });
      // The age is wall-clock time: p7's three steps and the pass must end within it, on a loaded machine too (at
      // 50 ms a busy PostgreSQL run pruned p7's first steps before the pass looked), so it is a second.
      await withEngine(paymentNamespace(newControl(), { journal: { maxAgeMs: 1000 } }), async (fixture) => {
        await fixture.engine.start("pay", "p6", json({}));
        await untilEvents(fixture, "p6", 3);
        await sleep(1100);
        await fixture.engine.start("pay", "p7", json({}));
        await untilEvents(fixture, "p7", 3);
        await fixture.engine.journalPruner.pruneNow();
        assert.equal((await fixture.engine.steps("pay", "p6")).length, 0, "steps older than max_age went");
        assert.equal((await fixture.engine.steps("pay", "p7")).length, 3, "newer steps stay");
      });
    });

    test(`a removed machine's journal goes with it; a namespace without a journal records nothing`, async () => {
      await withEngine(paymentNamespace(newControl()), async (fixture) => {
        await fixture.engine.start("pay", "p8", json({}));
        await untilEvents(fixture, "p8", 3);
        await fixture.engine.remove("pay", "p8");
        await fixture.engine.start("pay", "p8", json({}));
        await untilEvents(fixture, "p8", 3);
        assert.deepEqual(
          (await fixture.engine.steps("pay", "p8")).map((entry) => entry.stepNumber),
          [1, 2, 3],
          "a machine started again under the same id has a journal of its own",
        );
      });
      await withEngine(paymentNamespace(newControl(), { journal: { enabled: false } }), async (fixture) => {
        await fixture.engine.start("pay", "p9", json({}));
        await untilEvents(fixture, "p9", 3);
        await assert.rejects(fixture.engine.call("pay", "p9", json("flaky")), ProcessorUnavailableError);
        await fixture.engine.call("pay", "p9", json("ok"));
        assert.deepEqual(await fixture.engine.steps("pay", "p9"), []);
        assert.equal((await fixture.engine.get("pay", "p9")).record.stepNumber, 0);
      });
    });
  });
}
