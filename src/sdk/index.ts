/**
 * The SDK ("ratchet/sdk"): what a TypeScript processor imports. It loads no native module (neither SQLite nor
 * PostgreSQL), so a processor's service does not carry the engine's drivers. RatchetClient, the client of the JSON
 * API, belongs here too and is not written yet.
 */

export type { JsonValue } from "../mg/msgpack/natural-json.js";
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
