/**
 * `namespaces.<ns>.flow` (a Ratchet extension): the steps a namespace's machines go through and the transitions
 * allowed between them, written as a mapping from each step to the steps that may follow it. The flow view shows
 * it against the observed flow; `strict: true` makes the engine fail a step whose next step it does not allow.
 */
import { z } from "zod";
import { isMapping } from "./document.js";
import { stepNameProblem } from "./steps.js";
import { flag } from "./values.js";

export interface DeclaredFlowConfig {
  readonly strict: boolean;
  /** The steps, in the order written. */
  readonly steps: readonly string[];
  /** Every allowed transition as a pair, in the order written. */
  readonly transitions: readonly (readonly [from: string, to: string])[];
}

const STEP_LIST = z.array(z.unknown()).min(1);

const FLOW = z
  .strictObject({
    strict: flag().prefault(false),
    steps: STEP_LIST,
    transitions: z.record(z.string(), z.array(z.unknown())).prefault({}),
  })
  .superRefine(checkFlow, {
    // Checked even when another key of the flow is bad, so every problem is reported at once.
    when: ({ value }) => isMapping(value) && Array.isArray(value.steps) && isMapping(value.transitions),
  })
  .transform(
    (flow): DeclaredFlowConfig => ({
      strict: flow.strict,
      steps: flow.steps as string[],
      transitions: Object.entries(flow.transitions).flatMap(([from, targets]) =>
        (targets as string[]).map((to) => [from, to] as const),
      ),
    }),
  );

/** Step names valid and listed once; every transition's ends listed, each target once. */
function checkFlow(
  flow: { steps: readonly unknown[]; transitions: Readonly<Record<string, readonly unknown[]>> },
  context: z.core.$RefinementCtx<unknown>,
): void {
  const issue = (path: PropertyKey[], message: string) => context.addIssue({ code: "custom", path, message });
  const listed = new Set<string>();
  for (const [index, step] of flow.steps.entries()) {
    const problem = stepNameProblem(step);
    if (problem !== null) issue(["steps", index], problem);
    else if (listed.has(step as string)) issue(["steps", index], `lists ${JSON.stringify(step)} twice`);
    else listed.add(step as string);
  }
  const names = [...listed].map((name) => JSON.stringify(name)).join(", ");
  const unlisted = (name: unknown) =>
    stepNameProblem(name) ?? `names step ${JSON.stringify(name)}, which flow.steps does not list (${names})`;
  for (const [from, targets] of Object.entries(flow.transitions)) {
    if (!listed.has(from)) issue(["transitions", from], unlisted(from));
    if (!Array.isArray(targets)) continue;
    for (const [index, to] of targets.entries()) {
      if (typeof to !== "string" || !listed.has(to)) issue(["transitions", from, index], unlisted(to));
      else if (targets.indexOf(to) < index)
        issue(["transitions", from, index], `lists ${JSON.stringify(to)} twice`);
    }
  }
}

export function flowSchema() {
  return FLOW.optional();
}
