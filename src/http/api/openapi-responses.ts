/** The responses every route documents: its success, and the problems it may answer with. */
import type { z } from "@hono/zod-openapi";
import { PROBLEM_CONTENT_TYPE } from "./problems.js";
import { ProblemView } from "./schemas.js";

const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: "Malformed JSON, or a request that does not validate; nothing changed",
  404: "Unknown namespace or machine",
  409: "The machine's state conflicts (exists already, failed, not failed, paused, not paused), or the idempotency key's first request is running",
  413: "The request body is larger than the bound",
  415: "The body is not application/json",
  422: "A limit exceeded (named), a repair the processor refused, or an idempotency key reused for another request",
  503: "Not processed: send the same request again after Retry-After",
  504: "Result unknown: read the machine before deciding to send it again",
};

export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: PROBLEM_DESCRIPTIONS[status] ?? "Problem",
        content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemView } },
      },
    ]),
  );
}

export function jsonResponse<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { "application/json": { schema } } };
}

/** The problems of a request that runs a step. */
export const STEP_PROBLEMS = [400, 404, 409, 413, 415, 422, 503, 504];
