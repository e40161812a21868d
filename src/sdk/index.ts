/**
 * The SDK ("ratchet/sdk"): what a TypeScript processor imports. It loads no native module (neither SQLite nor
 * PostgreSQL), so a processor's service does not carry the engine's drivers. RatchetClient is the client of the
 * JSON API, for a processor's service or any other TypeScript program that starts, calls and reads machines.
 */

// The failure classes every error of the SDK carries, and the error the client throws for what it cannot send.
export type { FailureClass } from "../core/errors.js";
export { InvalidRequestError, RatchetError } from "../core/errors.js";
export type { JsonValue } from "../mg/msgpack/natural-json.js";
export { RatchetClient } from "./client.js";
export type { NoAnswerReason, ProblemDetails } from "./client-errors.js";
export {
  IdempotencyKeyInFlightApiError,
  IdempotencyKeyReusedApiError,
  InvalidRequestApiError,
  LimitExceededApiError,
  MachineAlreadyExistsApiError,
  MachineAlreadyWorkingApiError,
  MachineFailedApiError,
  MachineNotFoundApiError,
  MachineNotPausedApiError,
  MachinePausedApiError,
  NamespaceNotFoundApiError,
  NoAnswerError,
  NotProcessedApiError,
  RatchetApiError,
  RepairFailedApiError,
  ResultUnknownApiError,
} from "./client-errors.js";
export type { ClientOptions, ClientRequestOptions } from "./client-http.js";
export { CLIENT_TIMEOUT_MS_DEFAULT } from "./client-http.js";
export type {
  FlowWindow,
  RangedStepOptions,
  SearchFilters,
  StepRequestOptions,
} from "./client-requests.js";
export { newIdempotencyKey } from "./client-requests.js";
export type {
  Flow,
  JournalStep,
  Machine,
  MachinePage,
  MachineSummary,
  NamespaceCounts,
  PendingNotification,
  StepFigures,
  StepPage,
} from "./client-views.js";
export type {
  DefinedProcessor,
  ProcessorDefinition,
  ProcessorTypes,
  ResolvedTypes,
} from "./define-processor.js";
export { defineProcessor, processorUnavailable, repairFailed } from "./define-processor.js";
export type { StepContext, TypedEvent, TypedMachineView } from "./machine-view.js";
export type {
  ProcessorHandlerOptions,
  ServedProcessor,
  ServeOptions,
} from "./serve-processor.js";
export { processorHandler, serveProcessor } from "./serve-processor.js";
export type {
  HandlerOutput,
  HistoryRangeOption,
  StepOutput,
  TimerChange,
  TimerOptions,
  TimerWhen,
} from "./step-output.js";
export { StepResultBuilder } from "./step-output.js";
