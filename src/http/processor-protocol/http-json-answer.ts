/**
 * The HTTP-JSON protocol's one error table, from Ratchet's side: what an HTTP answer of a processor means for the
 * step (docs/processor-protocol.md §6). 200 is a result (or a refused repair); 429 and 503 are "try later", with
 * `Retry-After` carried on the error; 502 and 504 (a gateway that lost or timed out the request) may have reached
 * the processor and are transient too; every other status, and a 200 whose body is not a valid result, fails the
 * machine with a reason that names the processor, the status and what was wrong.
 */
import {
  ProcessorFailedError,
  ProcessorResultInvalidError,
  ProcessorTimeoutError,
  ProcessorUnavailableError,
} from "../../core/errors.js";
import type { StepResult } from "../../core/processor-result.js";
import type { StepKind } from "../../core/step.js";
import type { HttpAnswer } from "../../mg/woody/http-exchange.js";
import { stepResultOfAnswer } from "./wire-result.js";

/** How much of an error body a failure reason quotes. */
const DETAIL_CHARACTERS_MAX = 300;
const MILLISECONDS_PER_SECOND = 1000;
/** RFC 9110's IMF-fixdate, the one date form a server may send. */
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** The result of a step from the processor's answer; throws the error the engine classifies (processor.ts). */
export function stepResultOfHttpAnswer(
  answer: HttpAnswer,
  step: { readonly kind: StepKind; readonly peer: string; readonly nowMs: number },
): StepResult {
  const { status } = answer;
  const { peer } = step;
  if (status === 200) return resultOfBody(answer.body, step);
  const detail = detailOf(answer.body);
  const said = `${peer} answered HTTP ${status}${detail === "" ? "" : `: ${detail}`}`;
  if (status === 503 || status === 429) {
    // A header repeated (a proxy adding its own) comes as an array: the first is the processor's, as Node read it.
    const retryAfter = answer.headers["retry-after"];
    const retryAfterMs = retryAfterMsOf(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, step.nowMs);
    throw new ProcessorUnavailableError(said, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  if (status === 502 || status === 504) throw new ProcessorTimeoutError(said);
  throw new ProcessorFailedError(said);
}

function resultOfBody(
  body: Uint8Array,
  step: { readonly kind: StepKind; readonly peer: string },
): StepResult {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch (error) {
    throw new ProcessorResultInvalidError(
      `${step.peer} answered 200 with a body that is not JSON (${(error as Error).message}): ${quote(body)}`,
    );
  }
  try {
    return stepResultOfAnswer(json, step.kind);
  } catch (error) {
    if (!(error instanceof ProcessorResultInvalidError)) throw error;
    throw new ProcessorResultInvalidError(`${step.peer}: ${error.message}`, { cause: error });
  }
}

/** The `detail` (or `title`) of a problem+json body, else the start of the body's text. */
function detailOf(body: Uint8Array): string {
  if (body.byteLength === 0) return "";
  try {
    const json: unknown = JSON.parse(Buffer.from(body).toString("utf8"));
    if (typeof json === "object" && json !== null) {
      const { detail, title } = json as { detail?: unknown; title?: unknown };
      if (typeof detail === "string") return cut(detail);
      if (typeof title === "string") return cut(title);
    }
  } catch {
    // Not JSON: the text itself is the best detail there is.
  }
  return quote(body);
}

function quote(body: Uint8Array): string {
  return cut(Buffer.from(body).toString("utf8").replace(/\s+/g, " ").trim());
}

function cut(text: string): string {
  return text.length > DETAIL_CHARACTERS_MAX ? `${text.slice(0, DETAIL_CHARACTERS_MAX)}…` : text;
}

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3); anything else is ignored. */
export function retryAfterMsOf(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * MILLISECONDS_PER_SECOND;
  const dateMs = HTTP_DATE.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}
