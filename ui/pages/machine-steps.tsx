/**
 * The step journal as a timeline, newest first: each step's kind, name, processor, attempt, duration (a bar
 * against the longest shown), outcome and error. Older steps are read a page at a time; "failures only" keeps
 * the steps that did not commit, and reads further back (up to ten pages a click) to find them.
 */
import { useState } from "preact/hooks";
import type { JournalStep, StepPage } from "../../src/sdk/client-views.js";
import type { ConsoleApi } from "../api.js";
import { durationText } from "../format.js";
import { Instant, Loading } from "../parts/common.js";
import { useConsole, useLoad } from "../parts/console-context.js";
import { ProblemView } from "../parts/problem-view.js";

const STEPS_PAGE = 100;
/** Pages read by one click while looking for failures, so a long clean journal costs a bounded wait. */
const FAILURE_SEARCH_PAGES_MAX = 10;

export function MachineSteps({ namespace, id }: { readonly namespace: string; readonly id: string }) {
  const { api } = useConsole();
  const newest = useLoad<StepPage>(
    (client) => client.client.steps(namespace, id, { direction: "backward", limit: STEPS_PAGE }),
    [namespace, id],
  );
  const [older, setOlder] = useState<{ steps: JournalStep[]; nextAfter: number | null } | null>(null);
  const [failuresOnly, setFailuresOnly] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  if (newest.data === undefined)
    return newest.error === undefined ? <Loading /> : <ProblemView error={newest.error} />;
  const head = newest.data.steps;
  const seen = new Set(head.map((step) => step.stepNumber));
  const steps = [...head, ...(older?.steps ?? []).filter((step) => !seen.has(step.stepNumber))];
  const nextAfter = older === null ? newest.data.nextAfter : older.nextAfter;
  const shown = failuresOnly ? steps.filter((step) => step.outcome !== "committed") : steps;
  const loadOlder = async () => {
    try {
      const read = await readOlderSteps(api, { namespace, id, after: nextAfter, failuresOnly });
      setOlder({ steps: [...(older?.steps ?? []), ...read.steps], nextAfter: read.nextAfter });
      setError(undefined);
    } catch (thrown) {
      setError(thrown);
    }
  };
  const longest = Math.max(1, ...shown.map((step) => step.durationMs));
  return (
    <div data-part="steps">
      <div class="pager">
        <label>
          <input
            type="checkbox"
            name="failures-only"
            checked={failuresOnly}
            onChange={(event) => setFailuresOnly(event.currentTarget.checked)}
          />{" "}
          Failures only
        </label>
        <span class="page-info">
          {shown.length} of {steps.length} steps read{nextAfter === null ? " (the whole journal)" : ""}
        </span>
        <button type="button" class="secondary" disabled={nextAfter === null} onClick={loadOlder}>
          Older steps
        </button>
      </div>
      {error !== undefined && <ProblemView error={error} />}
      {shown.length === 0 ? (
        <p class="muted">
          {failuresOnly
            ? "No failed step among those read."
            : "No step journaled (the journal may be off for this namespace)."}
        </p>
      ) : (
        <ol class="timeline" data-table="steps">
          {shown.map((step) => (
            <StepRow step={step} longest={longest} />
          ))}
        </ol>
      )}
    </div>
  );
}

/** The next page of older steps; looking for failures, up to ten pages until one holds a failure. */
async function readOlderSteps(
  api: ConsoleApi,
  from: { namespace: string; id: string; after: number | null; failuresOnly: boolean },
): Promise<{ steps: JournalStep[]; nextAfter: number | null }> {
  let after = from.after;
  const steps: JournalStep[] = [];
  for (let page = 0; after !== null && page < (from.failuresOnly ? FAILURE_SEARCH_PAGES_MAX : 1); page += 1) {
    const read = await api.client.steps(from.namespace, from.id, {
      direction: "backward",
      limit: STEPS_PAGE,
      after,
    });
    steps.push(...read.steps);
    after = read.nextAfter;
    if (from.failuresOnly && read.steps.some((step) => step.outcome !== "committed")) break;
  }
  return { steps, nextAfter: after };
}

function StepRow({ step, longest }: { readonly step: JournalStep; readonly longest: number }) {
  const width = `${Math.max(1, Math.round((step.durationMs / longest) * 100))}%`;
  return (
    <li class={`step step-${step.outcome}`} data-step={step.stepNumber} data-outcome={step.outcome}>
      <span class="step-number">#{step.stepNumber}</span>
      <span class="step-when">
        <Instant at={step.startedAt} />
      </span>
      <span class="step-kind">{step.kind}</span>
      <span class="step-name">
        <code>{step.name}</code>
      </span>
      <span class="step-processor">{step.processor ?? ""}</span>
      <span class="step-attempt">attempt {step.attempt}</span>
      <span class="step-duration">
        <span class="bar" style={{ width }} />
        {durationText(step.durationMs)}
      </span>
      <span class={`outcome outcome-${step.outcome}`}>{step.outcome.replace("_", " ")}</span>
      {(step.errorClass !== null || step.errorText !== null) && (
        <span class="step-error">
          {step.errorClass !== null && <code>{step.errorClass}</code>} {step.errorText ?? ""}
        </span>
      )}
      {step.eventsAppended > 0 && <span class="muted small">+{step.eventsAppended} events</span>}
    </li>
  );
}
