/**
 * The Processor port over the HTTP-JSON protocol: one JSON POST per step to the processor's URL over a keep-alive
 * pool, the step's deadline as the request's timeout and in the `ratchet-deadline` header, the engine's abort
 * signal honoured. Transport failures are classified as woody classifies them (its exchange is reused): nothing
 * sent → ProcessorUnavailableError, sent without an answer → ProcessorTimeoutError, both transient. Answers are
 * read by the one table in http-json-answer.ts.
 */

import {
  coerceError,
  ProcessorResultInvalidError,
  ProcessorTimeoutError,
  ProcessorUnavailableError,
} from "../../core/errors.js";
import type { StepResult } from "../../core/processor-result.js";
import { MICROSECONDS_PER_MILLISECOND } from "../../core/time.js";
import { TRACE_CONTEXT_KEY, traceContextOf } from "../../core/trace-context.js";
import {
  CLIENT_RESPONSE_BYTES_MAX_DEFAULT,
  clientPool,
  type WoodyTlsOptions,
} from "../../mg/woody/client.js";
import { WoodySystemError } from "../../mg/woody/errors.js";
import { exchange } from "../../mg/woody/http-exchange.js";
import type { ProcessOptions, Processor, ProcessorRequest } from "../../processors/processor.js";
import { stepResultOfHttpAnswer } from "./http-json-answer.js";
import { DEADLINE_HEADER, JSON_CONTENT_TYPE, STEP_KEY_HEADER } from "./protocol-schema.js";
import { wireRequestOf } from "./wire-request.js";

export interface HttpJsonProcessorOptions {
  /** e.g. `http://payments:8080/process`; every step is a POST to it. */
  readonly url: string;
  /** Pooled connections to the URL (50, as for woody). */
  readonly poolSize?: number;
  /** Idle pooled connections close after this long (4 s, as for woody). */
  readonly keepAliveMs?: number;
  /** An answer above this many bytes fails the step (16 MiB). */
  readonly responseBytesMax?: number;
  /** For `https:` URLs: CAs to trust and a client certificate, as PEM text. */
  readonly tls?: WoodyTlsOptions;
  /** The current instant in µs, to turn deadlines into timeouts. */
  readonly nowUs: () => number;
}

export function createHttpJsonProcessor(options: HttpJsonProcessorOptions): Processor {
  const url = new URL(options.url);
  const pool = clientPool(url, options);
  const responseBytesMax = options.responseBytesMax ?? CLIENT_RESPONSE_BYTES_MAX_DEFAULT;
  const peer = `processor ${options.url}`;

  return {
    async process(request: ProcessorRequest, processOptions: ProcessOptions): Promise<StepResult> {
      const timeoutMs = Math.floor(
        (processOptions.deadlineUs - options.nowUs()) / MICROSECONDS_PER_MILLISECOND,
      );
      if (timeoutMs <= 0) throw new ProcessorUnavailableError(`${peer}: the deadline passed before the call`);
      const wire = wireRequestOf(request, processOptions);
      const headers: Record<string, string> = {
        "content-type": JSON_CONTENT_TYPE,
        accept: JSON_CONTENT_TYPE,
        [DEADLINE_HEADER]: wire.deadline,
        ...(wire.step_key === null ? {} : { [STEP_KEY_HEADER]: wire.step_key }),
        // The step's W3C trace context as headers too, so tracing middleware of any HTTP framework continues it.
        ...traceContextOf({
          traceparent: processOptions.context?.[TRACE_CONTEXT_KEY.TRACEPARENT],
          tracestate: processOptions.context?.[TRACE_CONTEXT_KEY.TRACESTATE],
        }),
      };
      const body = Buffer.from(JSON.stringify(wire));
      let answer: Awaited<ReturnType<typeof exchange>>;
      try {
        answer = await exchange({
          url,
          pool,
          headers,
          body,
          timeoutMs,
          responseBytesMax,
          abortSignal: processOptions.abortSignal,
        });
      } catch (error) {
        throw transportErrorOf(error, peer);
      }
      return stepResultOfHttpAnswer(answer, {
        kind: request.kind,
        peer,
        nowMs: options.nowUs() / MICROSECONDS_PER_MILLISECOND,
      });
    },
    async close(): Promise<void> {
      await pool.destroy();
    },
  };
}

/** woody's transport classes in the engine's terms; an answer above the byte cap breaks the contract. */
function transportErrorOf(thrown: unknown, peer: string): Error {
  if (!(thrown instanceof WoodySystemError)) return coerceError(thrown);
  const message = `${peer}: ${thrown.details}`;
  if (thrown.errorClass === "resource unavailable")
    return new ProcessorUnavailableError(message, { cause: thrown });
  if (thrown.errorClass === "result unknown") return new ProcessorTimeoutError(message, { cause: thrown });
  return new ProcessorResultInvalidError(message, { cause: thrown });
}
