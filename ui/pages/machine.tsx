/**
 * One machine: its status with the failure's reason and the status before it, a pause and who made it, the
 * timer and the step it runs, a retry in progress, the aux state, and three tabs: the history (every event
 * decoded, a page at a time), the step journal as a timeline, and the notifications waiting for delivery. The
 * actions bar runs every operator action, each confirmed first.
 */
import type { Machine } from "../../src/sdk/client-views.js";
import { RatchetApiError } from "../api.js";
import { Field, Instant, Loading, StatusBadge } from "../parts/common.js";
import { useLoad } from "../parts/console-context.js";
import { JsonView } from "../parts/json-view.js";
import { ProblemView } from "../parts/problem-view.js";
import { flowHref, machineHref, searchHref } from "../router.js";
import { MachineActions } from "./machine-actions.js";
import { EventsPager, eventsPageOf } from "./machine-events.js";
import { MachineNotifications } from "./machine-notifications.js";
import { MachineSteps } from "./machine-steps.js";

const TABS = [
  { name: "events", label: "History" },
  { name: "steps", label: "Step journal" },
  { name: "notifications", label: "Notifications" },
] as const;

export function MachinePage(props: {
  readonly namespace: string;
  readonly id: string;
  readonly query: Readonly<Record<string, string>>;
}) {
  const { namespace, id, query } = props;
  const page = eventsPageOf(query);
  const machine = useLoad<Machine>((api) => api.client.get(namespace, id, page), [namespace, id, page]);
  const tab = TABS.find((entry) => entry.name === query.tab)?.name ?? "events";
  const { data, error } = machine;
  const gone = error instanceof RatchetApiError && error.code === "machine_not_found";
  return (
    <section class="machine" data-machine={id} data-status={data?.status ?? ""}>
      <p class="crumbs">
        <a href={searchHref({ ns: namespace })}>{namespace}</a> / <span>{id}</span>
      </p>
      <h1>
        {id} {data !== undefined && !gone && <StatusBadge status={data.status} />}
      </h1>
      {error !== undefined && <ProblemView error={error} />}
      {data === undefined ? (
        error === undefined && <Loading />
      ) : gone ? (
        <p>
          This machine no longer exists. <a href={searchHref({ ns: namespace })}>Search {namespace}</a>
        </p>
      ) : (
        <>
          <MachineActions machine={data} />
          <Summary machine={data} />
          <h2>Aux state</h2>
          <div data-part="aux-state">
            <JsonView value={data.auxState} />
          </div>
          <nav class="tabs">
            {TABS.map((entry) => (
              <a
                href={machineHref(namespace, id, { ...query, tab: entry.name })}
                class={entry.name === tab ? "current" : undefined}
              >
                {entry.label}
              </a>
            ))}
          </nav>
          {tab === "events" && <EventsPager machine={data} query={query} />}
          {tab === "steps" && <MachineSteps namespace={namespace} id={id} />}
          {tab === "notifications" && <MachineNotifications namespace={namespace} id={id} />}
        </>
      )}
    </section>
  );
}

function Summary({ machine }: { readonly machine: Machine }) {
  const { failure, pause, timer, retry } = machine;
  return (
    <dl class="summary">
      <Field label="Status">
        <span data-field="status">{machine.status}</span>
      </Field>
      {failure !== null && (
        <>
          <Field label="Failure reason">
            <span class="reason" data-field="failure-reason">
              {failure.reason}
            </span>
          </Field>
          <Field label="Status before the failure">
            <span data-field="previous-status">{failure.previousStatus}</span>
          </Field>
          <Field label="Failed at">
            <Instant at={failure.failedAt} relative />
          </Field>
        </>
      )}
      {pause !== null && (
        <Field label="Paused">
          <span data-field="pause">
            by {pause.by}: {pause.reason} (<Instant at={pause.pausedAt} relative />)
          </span>
        </Field>
      )}
      <Field label="Timer">
        {timer === null ? (
          <span class="muted">none</span>
        ) : (
          <span data-field="timer">
            <Instant at={timer.dueAt} relative />
            {timer.step !== null && (
              <>
                {" "}
                runs step <code>{timer.step}</code>
              </>
            )}
            {timer.processor !== null && <> on processor {timer.processor}</>}
          </span>
        )}
      </Field>
      {retry !== null && (
        <Field label="Retrying">
          <span data-field="retry">
            attempt {retry.attempt} failed: {retry.lastError}; next <Instant at={retry.dueAt} relative />
          </span>
        </Field>
      )}
      <Field label="Events">{machine.lastEventId.toLocaleString("en")}</Field>
      <Field label="Created">
        <Instant at={machine.createdAt} />
      </Field>
      <Field label="Updated">
        <Instant at={machine.updatedAt} relative />
      </Field>
      <Field label="Flow">
        <a href={flowHref(machine.namespace)}>{machine.namespace}'s flow</a>
      </Field>
    </dl>
  );
}
