/**
 * A payment, written with Ratchet's SDK: created with an amount, risk-checked, sent to the bank from a timer step
 * (retried with the same idempotency key when the bank's answer is lost), told the bank's verdict by a
 * notification, then captured. Each stage is one step, chained with zero-delay timers; a call reads the status.
 */
import { defineProcessor, processorUnavailable, type StepResultBuilder } from "ratchet/sdk";
import { AnswerLostError, type SandboxBank } from "./sandbox-bank.js";

/** Amounts above this (minor units) are declined by the risk check. */
export const RISK_LIMIT = 100_000;
/** How long a payment waits for the bank's verdict before it expires. */
export const BANK_DEADLINE_MS = 60_000;

type Stage =
  | "created"
  | "risk_checked"
  | "awaiting_bank"
  | "authorized"
  | "captured"
  | "declined"
  | "expired";

export interface PaymentState {
  readonly stage: Stage;
  readonly amount: number;
  /** The bank's reference once it authorized. */
  readonly reference: string | null;
}

export type PaymentEvent =
  | { readonly type: "created"; readonly amount: number }
  | { readonly type: "risk_checked" }
  | { readonly type: "bank_requested"; readonly reference: string; readonly attempt: number }
  | { readonly type: "authorized" }
  | { readonly type: "captured" }
  | { readonly type: "declined"; readonly reason: string }
  | { readonly type: "expired" };

export interface PaymentStatus {
  readonly stage: Stage;
  readonly amount: number;
  readonly events: number;
  readonly bankAuthorizations: number;
}

export function paymentProcessor(bank: SandboxBank) {
  return defineProcessor<{
    event: PaymentEvent;
    auxState: PaymentState;
    args: unknown;
    response: PaymentStatus;
  }>({
    formatVersion: 1,
    init({ args, result }) {
      if (!Number.isSafeInteger(args) || (args as number) <= 0) {
        throw new Error(`a payment is started with its amount in minor units, not ${JSON.stringify(args)}`);
      }
      const amount = args as number;
      return result
        .append({ type: "created", amount })
        .setAuxState({ stage: "created", amount, reference: null })
        .setTimer({ timeoutMs: 0 });
    },

    timer({ machine, attempt, stepKey, result }) {
      const state = machine.auxState as PaymentState;
      switch (state.stage) {
        case "created":
          if (state.amount > RISK_LIMIT) return decline(result, state, "risk");
          return result
            .append({ type: "risk_checked" })
            .setAuxState({ ...state, stage: "risk_checked" })
            .setTimer({ timeoutMs: 0 });
        case "risk_checked":
          return sendToBank(bank, state, { attempt: attempt as number, stepKey: stepKey as string, result });
        case "awaiting_bank":
          return result.append({ type: "expired" }).setAuxState({ ...state, stage: "expired" });
        case "authorized":
          return result.append({ type: "captured" }).setAuxState({ ...state, stage: "captured" });
        default:
          return result; // a final stage: nothing is due
      }
    },

    notification({ machine, args, result }) {
      const state = machine.auxState as PaymentState;
      if (state.stage !== "awaiting_bank") return result; // a late or repeated verdict changes nothing
      if (args !== "approved") return decline(result, state, "bank");
      return result
        .append({ type: "authorized" })
        .setAuxState({ ...state, stage: "authorized" })
        .setTimer({ timeoutMs: 0 });
    },

    call({ machine, result }) {
      const state = machine.auxState as PaymentState;
      return result.respond({
        stage: state.stage,
        amount: state.amount,
        events: machine.history.length,
        bankAuthorizations: bank.authorizationCount,
      });
    },
  });
}

type PaymentResult = StepResultBuilder<PaymentEvent, PaymentState, PaymentStatus>;

/**
 * The bank step. Its step key is the same on every attempt of the step, so the bank authorizes once however many
 * times its answer is lost and the step retried.
 */
function sendToBank(
  bank: SandboxBank,
  state: PaymentState,
  step: { readonly attempt: number; readonly stepKey: string; readonly result: PaymentResult },
): PaymentResult {
  let reference: string;
  try {
    reference = bank.authorize({ idempotencyKey: step.stepKey, amount: state.amount }).reference;
  } catch (error) {
    if (error instanceof AnswerLostError) throw processorUnavailable(error.message, { retryAfterMs: 100 });
    throw error;
  }
  return step.result
    .append({ type: "bank_requested", reference, attempt: step.attempt })
    .setAuxState({ ...state, stage: "awaiting_bank", reference })
    .setTimer({ timeoutMs: BANK_DEADLINE_MS });
}

function decline(result: PaymentResult, state: PaymentState, reason: string): PaymentResult {
  return result
    .append({ type: "declined", reason })
    .setAuxState({ ...state, stage: "declined" })
    .unsetTimer();
}
