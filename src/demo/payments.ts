/**
 * The demo namespaces that `ratchet dev` runs: a payment split into named steps owned by different processors,
 * and the bank session machine that tells the payment its result by a notification.
 *
 *   init (payments) → risk_check (risk) → bank_session (bank) ⇢ notification → capture (bank)
 *                                                           └─ session_expired (payments), when the bank is silent
 *
 * The risk scorer fails once (a retry); the bank's capture may fail through an outage: its step policy pauses the
 * payment when its retries run out, and an operator resumes it once the bank is back.
 */
import { ProcessorUnavailableError } from "../core/errors.js";
import type { RetryPolicy } from "../core/retry-policy.js";
import type { EngineApi } from "../engine/engine-api.js";
import type { NamespaceOptions } from "../engine/namespace.js";
import { localProcessor, timer } from "../processors/local-processor.js";
import type { PlainValue } from "../processors/payload.js";
import { pack, unpack } from "../processors/payload.js";
import type { Processor } from "../processors/processor.js";

export const PAYMENTS = "payments";
export const SESSIONS = "sessions";

type Stage =
  | "created"
  | "risk_checked"
  | "awaiting_session"
  | "authorized"
  | "captured"
  | "expired"
  | "declined";
interface PaymentState {
  readonly stage: Stage;
  readonly amount: number;
  readonly bankAnswers: boolean;
}

const event = (name: string, details: { [key: string]: PlainValue } = {}) => ({
  data: pack({ event: name, ...details }),
});
const state = (next: PaymentState) => ({ auxState: { data: pack({ ...next }) } });
const read = (bytes: Uint8Array) => unpack(bytes) as unknown as PaymentState;

export interface DemoOptions {
  /** How long a payment waits for its bank before it expires. */
  readonly sessionDeadlineMs: number;
  /** How long the bank takes to answer. */
  readonly bankDelayMs: number;
}

/** The bank's state the demo plays with: an outage fails every capture until it ends. */
export interface DemoBank {
  outage: boolean;
}

/** Tries 50 ms apart, then a pause for an operator: a capture must never be given up silently. */
export const CAPTURE_RETRY: RetryPolicy = Object.freeze({
  backoff: { kind: "linear" as const, initialIntervalMs: 50, incrementMs: 0 },
  maxAttempts: 2,
  onExhausted: "pause" as const,
});

/** Both namespaces; `engine` is how the session machine notifies its payment, as a real session service would. */
export function demoNamespaces(
  engine: () => EngineApi,
  options: DemoOptions,
  bank: DemoBank,
): NamespaceOptions[] {
  const flaky = {
    backoff: { kind: "exponential" as const, initialIntervalMs: 50, factor: 2 },
    maxAttempts: 5,
  };
  return [
    {
      name: PAYMENTS,
      processor: paymentProcessor(),
      processors: { risk: riskProcessor(), bank: bankProcessor(engine, options, bank) },
      steps: {
        risk_check: { processor: "risk" },
        bank_session: { processor: "bank" },
        capture: { processor: "bank", retryPolicy: CAPTURE_RETRY },
      },
      timerRetryPolicy: flaky,
    },
    { name: SESSIONS, processor: sessionProcessor(engine, options) },
  ];
}

/** The payment's own steps: created, its result from the bank session, and expiry when the bank is silent. */
function paymentProcessor(): Processor {
  return localProcessor({
    init: ({ args }) => {
      const input = unpack(args) as { amount: number; bankAnswers?: boolean };
      const initial: PaymentState = {
        stage: "created",
        amount: input.amount,
        bankAnswers: input.bankAnswers ?? true,
      };
      return {
        events: [event("created", { amount: input.amount })],
        ...state(initial),
        timer: timer.now({ step: "risk_check" }),
      };
    },
    timer: ({ machine }, { stepName }) => {
      const current = read(machine.auxState.data);
      if (stepName !== "session_expired" || current.stage !== "awaiting_session")
        return { timer: timer.unset() };
      return {
        events: [event("expired", { reason: "the bank did not answer in time" })],
        ...state({ ...current, stage: "expired" }),
        timer: timer.unset(),
      };
    },
    notification: ({ args, machine }) => {
      const current = read(machine.auxState.data);
      const { approved } = unpack(args) as { approved: boolean };
      if (current.stage !== "awaiting_session") return { events: [event("late_session_result_ignored")] };
      if (!approved) {
        return {
          events: [event("declined")],
          ...state({ ...current, stage: "declined" }),
          timer: timer.unset(),
        };
      }
      return {
        events: [event("authorized")],
        ...state({ ...current, stage: "authorized" }),
        timer: timer.now({ step: "capture" }),
      };
    },
    call: ({ machine }) => ({ response: pack(read(machine.auxState.data).stage) }),
  });
}

/** The risk check, a processor of its own: it fails once (a scorer warming up), to show a retry. */
function riskProcessor(): Processor {
  let riskFailuresLeft = 1;
  return localProcessor({
    timer: ({ machine }) => {
      if (riskFailuresLeft > 0) {
        riskFailuresLeft -= 1;
        throw new ProcessorUnavailableError("the risk scorer is warming up");
      }
      const current = read(machine.auxState.data);
      return {
        events: [event("risk_checked", { score: 12 })],
        ...state({ ...current, stage: "risk_checked" }),
        timer: timer.now({ step: "bank_session" }),
      };
    },
  });
}

/** The bank's steps: opening the session (a machine of its own), and the capture, which fails during an outage. */
function bankProcessor(engine: () => EngineApi, options: DemoOptions, bank: DemoBank): Processor {
  return localProcessor({
    timer: async ({ machine }, { stepName }) => {
      const current = read(machine.auxState.data);
      if (stepName === "bank_session") {
        await engine().start(
          SESSIONS,
          machine.id,
          pack({ payment: machine.id, answers: current.bankAnswers }),
        );
        return {
          events: [event("session_started")],
          ...state({ ...current, stage: "awaiting_session" }),
          timer: timer.after(options.sessionDeadlineMs, { step: "session_expired" }),
        };
      }
      if (bank.outage) throw new ProcessorUnavailableError("the bank is down");
      return {
        events: [event("captured", { amount: current.amount })],
        ...state({ ...current, stage: "captured" }),
        timer: timer.unset(),
      };
    },
  });
}

/** The bank session: asks the bank, and notifies its payment when the bank answers. */
function sessionProcessor(engine: () => EngineApi, options: DemoOptions): Processor {
  return localProcessor({
    init: ({ args }) => ({
      auxState: { data: args },
      events: [event("asked_bank")],
      timer: timer.after(options.bankDelayMs),
    }),
    timer: async ({ machine }) => {
      const session = unpack(machine.auxState.data) as { payment: string; answers: boolean };
      if (!session.answers) return { events: [event("bank_silent")], timer: timer.unset() };
      await engine().notify(PAYMENTS, session.payment, pack({ approved: true }));
      return { events: [event("bank_approved")], timer: timer.unset() };
    },
  });
}
