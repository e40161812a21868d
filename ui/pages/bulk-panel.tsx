/**
 * Bulk actions on what a search selects: simple repair, repair, resume, fire the timer now or notify every
 * machine the filters match. A dry run first says how many; the run then goes on in the node (rate-limited,
 * surviving restarts), and the panel follows its progress and lists the machines it failed on. A node without
 * bulk operations says so.
 */

import { useState } from "preact/hooks";
import type { JsonValue } from "../../src/mg/msgpack/natural-json.js";
import { type BulkAction, type BulkFilter, type BulkRequest, type BulkView, isMissingRoute } from "../api.js";
import { ActionDialog, JsonInput, useJsonInput } from "../parts/action-dialog.js";
import { Instant, NotAvailable } from "../parts/common.js";
import { useConsole, useLoad } from "../parts/console-context.js";
import { ProblemView } from "../parts/problem-view.js";
import type { SearchFilters } from "./search.js";

const ACTIONS: readonly { value: BulkAction; label: string; args: boolean }[] = [
  { value: "simple_repair", label: "Simple repair", args: false },
  { value: "repair", label: "Repair (with args)", args: true },
  { value: "resume", label: "Resume", args: false },
  { value: "retry_now", label: "Fire the timer now", args: false },
  { value: "notify", label: "Notify (with args)", args: true },
];

function bulkFilterOf(filters: SearchFilters): BulkFilter {
  return {
    ...(filters.status === undefined ? {} : { status: filters.status }),
    ...(filters.prefix === undefined ? {} : { id_prefix: filters.prefix }),
    ...(filters.due_before === undefined ? {} : { timer_due_before: filters.due_before }),
    ...(filters.updated_since === undefined ? {} : { updated_since: filters.updated_since }),
  };
}

export function BulkPanel({ filters }: { readonly filters: SearchFilters }) {
  const { api } = useConsole();
  const [action, setAction] = useState<BulkAction>("simple_repair");
  const [rate, setRate] = useState("");
  const args = useJsonInput("null");
  const [counted, setCounted] = useState<{ selected: number } | { error: unknown } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [tracked, setTracked] = useState<string | null>(null);
  const withArgs = ACTIONS.find((entry) => entry.value === action)?.args ?? false;
  const request = (): BulkRequest => ({
    action,
    filter: bulkFilterOf(filters),
    ...(withArgs ? { args: args.value as JsonValue } : {}),
    ...(rate === "" ? {} : { rate_per_second: Number(rate) }),
  });
  const count = async () => {
    try {
      setCounted(await api.bulkDryRun(filters.ns, request()));
    } catch (error) {
      setCounted({ error });
    }
  };
  const selected = counted !== null && "selected" in counted ? counted.selected : null;
  return (
    <section class="bulk" data-panel="bulk">
      <h2>Bulk action on this search</h2>
      <div class="filters">
        <BulkChoices
          action={action}
          rate={rate}
          onAction={(next) => {
            setAction(next);
            setCounted(null);
          }}
          onRate={setRate}
        />
        <button type="button" class="secondary" onClick={count} disabled={withArgs && args.invalid !== null}>
          Count (dry run)
        </button>
        {selected !== null && (
          <button type="button" onClick={() => setConfirming(true)} disabled={selected === 0}>
            Run on {selected.toLocaleString("en")} machines
          </button>
        )}
      </div>
      {withArgs && <JsonInput label="Arguments" input={args} />}
      {counted !== null &&
        "error" in counted &&
        (isMissingRoute(counted.error) ? (
          <NotAvailable what="bulk operations" />
        ) : (
          <ProblemView error={counted.error} />
        ))}
      {selected !== null && (
        <p data-selected={selected}>
          The dry run selects <strong>{selected.toLocaleString("en")}</strong> machines of {filters.ns}.
        </p>
      )}
      {confirming && selected !== null && (
        <BulkConfirm
          title={`${ACTIONS.find((entry) => entry.value === action)?.label} on ${selected} machines of ${filters.ns}`}
          start={() => api.bulkStart(filters.ns, request())}
          onStarted={setTracked}
          onClose={() => setConfirming(false)}
        />
      )}
      {tracked !== null && <BulkProgress id={tracked} />}
      <RecentRuns namespace={filters.ns} onPick={setTracked} />
    </section>
  );
}

function BulkChoices(props: {
  readonly action: BulkAction;
  readonly rate: string;
  readonly onAction: (action: BulkAction) => void;
  readonly onRate: (rate: string) => void;
}) {
  return (
    <>
      <label>
        Action
        <select
          name="bulk-action"
          value={props.action}
          onChange={(event) => props.onAction(event.currentTarget.value as BulkAction)}
        >
          {ACTIONS.map((entry) => (
            <option value={entry.value}>{entry.label}</option>
          ))}
        </select>
      </label>
      <label>
        Machines per second
        <input
          name="rate"
          inputMode="decimal"
          value={props.rate}
          placeholder="node default"
          onInput={(event) => props.onRate(event.currentTarget.value)}
        />
      </label>
    </>
  );
}

function BulkConfirm(props: {
  readonly title: string;
  readonly start: () => Promise<BulkView>;
  readonly onStarted: (id: string) => void;
  readonly onClose: () => void;
}) {
  return (
    <ActionDialog
      title={props.title}
      confirmLabel="Start"
      run={async () => {
        const started = await props.start();
        props.onStarted(started.id);
        return <p>Bulk operation {started.id} started.</p>;
      }}
      onClose={props.onClose}
    >
      <p>
        Every machine the search selects when the run reaches it gets this action; the node records each
        outcome.
      </p>
    </ActionDialog>
  );
}

function BulkProgress({ id }: { readonly id: string }) {
  const { api, refresh } = useConsole();
  const run = useLoad<BulkView>((client) => client.bulk(id), [id]);
  const failures = useLoad((client) => client.bulkOutcomes(id), [id]);
  if (run.data === undefined) return run.error === undefined ? null : <ProblemView error={run.error} />;
  const view = run.data;
  const share = view.selected === 0 ? 1 : view.done / view.selected;
  const failed = (failures.data?.outcomes ?? []).filter((outcome) => outcome.outcome === "failed");
  return (
    <div class="bulk-progress" data-bulk={view.id} data-bulk-status={view.status}>
      <p>
        <strong>{view.action}</strong> on {view.namespace}: {view.status}, {view.done} of {view.selected} done
        ({view.succeeded} ok, {view.failed} failed); started <Instant at={view.created_at} /> by {view.actor}.
      </p>
      <progress max={1} value={share} />
      {view.status === "running" && (
        <button type="button" class="secondary" onClick={() => void api.bulkCancel(view.id).then(refresh)}>
          Cancel
        </button>
      )}
      {failed.length > 0 && (
        <table class="grid" data-table="bulk-failures">
          <thead>
            <tr>
              <th>Machine</th>
              <th>Error</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {failed.map((outcome) => (
              <tr>
                <td>{outcome.machine_id}</td>
                <td>
                  <code>{outcome.error_type ?? ""}</code>
                </td>
                <td>{outcome.detail ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function RecentRuns({
  namespace,
  onPick,
}: {
  readonly namespace: string;
  readonly onPick: (id: string) => void;
}) {
  const runs = useLoad((api) => api.bulkRuns(namespace), [namespace]);
  if (runs.data === undefined || runs.data === null || runs.data.length === 0) return null;
  return (
    <details class="recent-runs">
      <summary>Recent bulk operations in {namespace}</summary>
      <ul>
        {runs.data.map((run) => (
          <li>
            <button type="button" class="link" onClick={() => onPick(run.id)}>
              {run.id}
            </button>{" "}
            {run.action}, {run.status}, {run.done}/{run.selected} (<Instant at={run.created_at} />)
          </li>
        ))}
      </ul>
    </details>
  );
}
