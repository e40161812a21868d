/**
 * `ratchet machine steps NS ID`: a page of a machine's step journal straight from storage, as a table or as JSON
 * lines (one entry per line, for `jq` and log tools). Forward pages start after a step number, backward pages
 * (newest first) before one; a full page ends with the `--after` of the next.
 */
import { parseArgs } from "node:util";
import { MachineNotFoundError } from "../core/errors.js";
import { validateMachineId } from "../core/ids.js";
import { DEFAULT_LIMITS } from "../core/limits.js";
import { STEPS_PAGE_DEFAULT, STEPS_PAGE_MAX, validateStepsQuery } from "../engine/journal-queries.js";
import type { CliIo } from "./command-arguments.js";
import { positionalArguments, wholeNumberOption } from "./command-arguments.js";
import { EXIT } from "./exit-codes.js";
import { journalEntryView, journalLines } from "./journal-view.js";
import { checkNamespace, openExistingStorage, STORAGE_OPTIONS, storageTargetOf } from "./storage-target.js";

export async function listMachineSteps(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...STORAGE_OPTIONS,
      after: { type: "string" },
      limit: { type: "string" },
      backward: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const [namespace, machineId] = positionalArguments(positionals, ["NS", "ID"]);
  const after = wholeNumberOption(values.after, "--after", { min: 0 });
  const page = validateStepsQuery({
    ...(after === undefined ? {} : { after }),
    limit: wholeNumberOption(values.limit, "--limit", {
      min: 1,
      max: STEPS_PAGE_MAX,
      fallback: STEPS_PAGE_DEFAULT,
    }),
    direction: values.backward ? "backward" : "forward",
  });
  const target = await storageTargetOf(values, io);
  checkNamespace(target, namespace);
  validateMachineId(machineId, target.config?.namespaces[namespace]?.limits ?? DEFAULT_LIMITS);
  const storage = await openExistingStorage(target);
  try {
    if ((await storage.readMachine(namespace, machineId)) === null) {
      throw new MachineNotFoundError(namespace, machineId);
    }
    const entries = await storage.listSteps(namespace, machineId, page);
    const last = entries.at(-1);
    const nextAfter = entries.length === page.limit && last !== undefined ? last.stepNumber : null;
    if (values.json) {
      for (const entry of entries)
        io.write(JSON.stringify({ namespace, machineId, ...journalEntryView(entry) }));
      return EXIT.ok;
    }
    if (entries.length === 0) io.write("no steps in this page of the journal");
    else for (const line of journalLines(entries)) io.write(line);
    if (nextAfter !== null) io.write(`more: --after ${nextAfter}${values.backward ? " --backward" : ""}`);
    return EXIT.ok;
  } finally {
    await storage.close();
  }
}
