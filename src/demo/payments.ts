/**
 * The demo namespaces that `ratchet dev` runs: a payment that chains zero-delay timers, waits for its bank
 * session under a deadline, and is told the session's result by a notification; and the session machine that
 * notifies it. The risk check goes to its own processor (per-step routing) and fails once to show a retry.
 */
import { ProcessorUnavailableError } from "../core/errors.js";
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

/** Both namespaces; `engine` is how the session machine notifies its payment, as a real session service would. */
export function demoNamespaces(engine: () => EngineApi, options: DemoOptions): NamespaceOptions[] {
  const payments = paymentProcessor(engine, options);
  const risk = riskProcessor();
  const sessions = sessionProcessor(engine, options);
  const flaky = {
    backoff: { kind: "exponential" as const, initialIntervalMs: 50, factor: 2 },
    maxAttempts: 5,
  };
  return [
    { name: PAYMENTS, processor: payments, processors: { risk }, timerRetryPolicy: flaky },
    { name: SESSIONS, processor: sessions },
  ];
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
        timer: timer.now(),
      };
    },
  });
}

/** The payment: created → risk checked → a bank session → authorized and captured, declined or expired. */
function paymentProcessor(engine: () => EngineApi, options: DemoOptions): Processor {
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
        timer: timer.now({ processor: "risk" }),
      };
    },
    timer: async ({ machine }) => {
      const current = read(machine.auxState.data);
      if (current.stage === "risk_checked") {
        await engine().start(
          SESSIONS,
          machine.id,
          pack({ payment: machine.id, answers: current.bankAnswers }),
        );
        return {
          events: [event("session_started")],
          ...state({ ...current, stage: "awaiting_session" }),
          timer: timer.after(options.sessionDeadlineMs),
        };
      }
      if (current.stage === "awaiting_session") {
        return {
          events: [event("expired", { reason: "the bank did not answer in time" })],
          ...state({ ...current, stage: "expired" }),
          timer: timer.unset(),
        };
      }
      if (current.stage === "authorized") {
        return {
          events: [event("captured", { amount: current.amount })],
          ...state({ ...current, stage: "captured" }),
          timer: timer.unset(),
        };
      }
      return {};
    },
    notification: ({ args, machine }) => {
      const current = read(machine.auxState.data);
      const { approved } = unpack(args) as { approved: boolean };
      if (current.stage !== "awaiting_session") return { events: [event("late_session_result_ignored")] };
      if (!approved)
        return {
          events: [event("declined")],
          ...state({ ...current, stage: "declined" }),
          timer: timer.unset(),
        };
      return {
        events: [event("authorized")],
        ...state({ ...current, stage: "authorized" }),
        timer: timer.now(),
      };
    },
    call: ({ machine }) => ({ response: pack(read(machine.auxState.data).stage) }),
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
