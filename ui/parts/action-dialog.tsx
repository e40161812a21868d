/**
 * The confirmation every action goes through: what will happen to which machines, the inputs the action takes,
 * and Confirm. A refusal stays in the dialog as its typed problem (the operator reads why, fixes the input, tries
 * again); a success shows what the node answered and closes on the next click.
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ProblemView } from "./problem-view.js";

export interface ActionDialogProps {
  readonly title: string;
  readonly confirmLabel: string;
  /** The inputs (arguments, a reason) and what the action does. */
  readonly children?: ComponentChildren;
  /** Runs the action; its answer (if any) is shown. Throwing shows the error. */
  readonly run: () => Promise<ComponentChildren | undefined>;
  readonly onClose: (done: boolean) => void;
  /** False while the inputs are not valid yet. */
  readonly ready?: boolean;
  readonly danger?: boolean;
}

type DialogState =
  | { readonly kind: "asking" }
  | { readonly kind: "running" }
  | { readonly kind: "refused"; readonly error: unknown }
  | { readonly kind: "done"; readonly answer: ComponentChildren | undefined };

export function ActionDialog(props: ActionDialogProps) {
  const [state, setState] = useState<DialogState>({ kind: "asking" });
  const confirm = async () => {
    setState({ kind: "running" });
    try {
      setState({ kind: "done", answer: await props.run() });
    } catch (error) {
      setState({ kind: "refused", error });
    }
  };
  const done = state.kind === "done";
  return (
    <div class="overlay">
      <div class="dialog" role="dialog" aria-modal="true" aria-label={props.title} data-dialog={props.title}>
        <h2>{props.title}</h2>
        {!done && props.children}
        {state.kind === "refused" && <ProblemView error={state.error} />}
        {done && (
          <div class="done" data-outcome="done">
            <p>Done.</p>
            {state.answer}
          </div>
        )}
        <div class="dialog-buttons">
          {done ? (
            <button type="button" onClick={() => props.onClose(true)}>
              Close
            </button>
          ) : (
            <>
              <button
                type="button"
                class={props.danger ? "danger" : undefined}
                disabled={state.kind === "running" || props.ready === false}
                onClick={confirm}
              >
                {state.kind === "running" ? "Working…" : props.confirmLabel}
              </button>
              <button type="button" class="secondary" onClick={() => props.onClose(false)}>
                Cancel
              </button>
            </>
          )}
        </div>
      </div>
    </div>
  );
}

/** A natural-JSON input: the text, and the value once it parses (undefined until it does). */
export function useJsonInput(initial: string): {
  readonly text: string;
  readonly value: unknown;
  readonly invalid: string | null;
  set(text: string): void;
} {
  const [text, setText] = useState(initial);
  let value: unknown;
  let invalid: string | null = null;
  try {
    value = JSON.parse(text);
  } catch (error) {
    invalid = error instanceof Error ? error.message : String(error);
  }
  return { text, value, invalid, set: setText };
}

export function JsonInput(props: {
  readonly label: string;
  readonly input: ReturnType<typeof useJsonInput>;
}) {
  return (
    <label class="json-input">
      {props.label} <span class="muted">(natural JSON: {'{"$bytes": "<base64>"}'} for bytes)</span>
      <textarea
        name="args"
        rows={5}
        spellcheck={false}
        value={props.input.text}
        onInput={(event) => props.input.set(event.currentTarget.value)}
      />
      {props.input.invalid !== null && <span class="invalid">Not JSON: {props.input.invalid}</span>}
    </label>
  );
}
