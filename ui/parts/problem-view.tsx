/**
 * A refusal as the operator needs it: the problem's title and status, its type (what a script would switch on),
 * the detail, and the extensions that say more (the reason, the field, the limit). An answer that never came is
 * said so, with whether the request could have been processed.
 */
import { NoAnswerError, RatchetApiError } from "../api.js";
import { JsonView } from "./json-view.js";

const BASE_FIELDS = new Set(["type", "title", "status", "detail"]);

export function ProblemView({ error }: { readonly error: unknown }) {
  if (error instanceof RatchetApiError) {
    const extensions = Object.fromEntries(
      Object.entries(error.problem).filter(([name]) => !BASE_FIELDS.has(name)),
    );
    return (
      <div class="problem" role="alert" data-problem-type={error.type}>
        <div class="problem-title">
          {error.title} <span class="problem-status">{error.status}</span>
        </div>
        <code class="problem-type">{error.type}</code>
        <p class="problem-detail">{error.detail}</p>
        {Object.keys(extensions).length > 0 && <JsonView value={extensions} />}
      </div>
    );
  }
  if (error instanceof NoAnswerError) {
    return (
      <div class="problem" role="alert" data-problem-type={`no-answer:${error.reason}`}>
        <div class="problem-title">No answer from the node</div>
        <p class="problem-detail">{error.message}</p>
        <p class="problem-detail">
          {error.failureClass === "not_processed"
            ? "The request was not sent: nothing changed."
            : "The request may have been processed: read the machine before trying again."}
        </p>
      </div>
    );
  }
  return (
    <div class="problem" role="alert">
      <div class="problem-title">Error</div>
      <p class="problem-detail">{error instanceof Error ? error.message : String(error)}</p>
    </div>
  );
}
