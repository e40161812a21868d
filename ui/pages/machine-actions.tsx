/**
 * The operator's actions on one machine, each behind a confirmation: repair (with arguments) and simple repair
 * of a failed machine, resume of a paused one, pause, fire the timer now (retry-now: a retrying machine's next
 * try, or a waiting machine's timer), notify and call with arguments, and remove (the machine's id typed again).
 * The buttons that fit the machine's status come first; a refusal shows the node's typed problem.
 */
import { useState } from "preact/hooks";
import type { JsonValue } from "../../src/mg/msgpack/natural-json.js";
import type { Machine } from "../../src/sdk/client-views.js";
import type { ConsoleApi } from "../api.js";
import { ActionDialog, JsonInput, useJsonInput } from "../parts/action-dialog.js";
import { useConsole } from "../parts/console-context.js";
import { JsonView } from "../parts/json-view.js";
import { searchHref } from "../router.js";

type ActionName =
  | "repair"
  | "simple-repair"
  | "resume"
  | "pause"
  | "retry-now"
  | "notify"
  | "call"
  | "remove";

const LABELS: Readonly<Record<ActionName, string>> = {
  repair: "Repair",
  "simple-repair": "Simple repair",
  resume: "Resume",
  pause: "Pause",
  "retry-now": "Fire the timer now",
  notify: "Notify",
  call: "Call",
  remove: "Remove",
};

/** The actions that fit a status, in the order an operator reaches for them. */
function actionsFor(machine: Machine): ActionName[] {
  const pending = machine.timer !== null || machine.retry !== null;
  switch (machine.status) {
    case "failed":
      return ["repair", "simple-repair", "remove"];
    case "paused":
      return ["resume", "notify", "remove"];
    default:
      return [...(pending ? (["retry-now"] as const) : []), "call", "notify", "pause", "remove"];
  }
}

export function MachineActions({ machine }: { readonly machine: Machine }) {
  const [open, setOpen] = useState<ActionName | null>(null);
  const { refresh } = useConsole();
  return (
    <div class="actions" data-part="actions">
      {actionsFor(machine).map((name) => (
        <button
          type="button"
          class={name === "remove" ? "danger" : undefined}
          data-action={name}
          onClick={() => setOpen(name)}
        >
          {LABELS[name]}
        </button>
      ))}
      {open !== null && (
        <ActionFor
          name={open}
          machine={machine}
          onClose={(done) => {
            setOpen(null);
            if (done && open === "remove") window.location.hash = searchHref({ ns: machine.namespace });
            else refresh();
          }}
        />
      )}
    </div>
  );
}

function ActionFor(props: {
  readonly name: ActionName;
  readonly machine: Machine;
  readonly onClose: (done: boolean) => void;
}) {
  const { api } = useConsole();
  const { name, machine, onClose } = props;
  const args = useJsonInput("null");
  const [text, setText] = useState("");
  const target = `${machine.namespace}/${machine.id}`;
  const withArgs = name === "repair" || name === "call" || name === "notify";
  const ready =
    (!withArgs || args.invalid === null) &&
    (name !== "pause" || text.trim() !== "") &&
    (name !== "remove" || text === machine.id);
  return (
    <ActionDialog
      title={`${LABELS[name]} ${target}`}
      confirmLabel={LABELS[name]}
      danger={name === "remove"}
      ready={ready}
      run={() => runAction(api, name, machine, { args: args.value as JsonValue, text })}
      onClose={onClose}
    >
      <p>{DESCRIPTIONS[name]}</p>
      {withArgs && <JsonInput label="Arguments" input={args} />}
      {name === "pause" && (
        <label>
          Reason <input name="reason" value={text} onInput={(event) => setText(event.currentTarget.value)} />
        </label>
      )}
      {name === "remove" && (
        <label>
          Type <code>{machine.id}</code> to confirm{" "}
          <input name="confirm-id" value={text} onInput={(event) => setText(event.currentTarget.value)} />
        </label>
      )}
    </ActionDialog>
  );
}

const DESCRIPTIONS: Readonly<Record<ActionName, string>> = {
  repair: "Runs a repair step through the processor with these arguments; the processor may refuse it.",
  "simple-repair": "Returns the machine to its status before the failure, without the processor.",
  resume: "Runs the paused machine's pending step again, with a fresh series of retries.",
  pause: "Pauses the machine: its pending step waits for resume, and calls are refused meanwhile.",
  "retry-now": "Runs the pending step now: a retrying machine's next try, or a waiting machine's timer.",
  notify: "Stores a notification for the machine; it is delivered as a notification step.",
  call: "Runs a call step with these arguments and shows the processor's response.",
  remove: "Removes the machine with its whole history and pending notifications. This cannot be undone.",
};

async function runAction(
  api: ConsoleApi,
  name: ActionName,
  machine: Machine,
  input: { readonly args: JsonValue; readonly text: string },
) {
  const { client } = api;
  const { namespace, id } = machine;
  switch (name) {
    case "repair":
      return <Response value={await client.repair(namespace, id, input.args)} />;
    case "call":
      return <Response value={await client.call(namespace, id, input.args)} />;
    case "notify": {
      const { notificationId } = await client.notify(namespace, id, input.args);
      return <p>Notification {notificationId} stored.</p>;
    }
    case "simple-repair":
      return void (await client.simpleRepair(namespace, id));
    case "resume":
      return void (await client.resume(namespace, id));
    case "pause":
      return void (await client.pause(namespace, id, input.text.trim()));
    case "retry-now":
      return void (await client.retryNow(namespace, id));
    case "remove":
      return void (await client.remove(namespace, id));
  }
}

function Response({ value }: { readonly value: JsonValue }) {
  return (
    <div data-part="response">
      The processor's response: <JsonView value={value} />
    </div>
  );
}
