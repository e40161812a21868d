/** Reads every machine's whole history through the Automaton, a few at a time, for the checker. */
import type { AutomatonPool } from "./automaton.js";
import { readChainEvent } from "./chain.js";
import type { MachineHistory } from "./checker.js";

const READS_AT_ONCE = 8;
const READ_ATTEMPTS = 3;
const READ_DEADLINE_MS = 10_000;

async function readOne(automaton: AutomatonPool, id: string): Promise<MachineHistory | string> {
  let lastFailure = "";
  for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt += 1) {
    const outcome = await automaton.getMachine(id, READ_DEADLINE_MS, true);
    if (outcome.ok) {
      const machine = outcome.value;
      return {
        failedReason: machine.status?.failed === undefined ? undefined : (machine.status.failed.reason ?? ""),
        timerSet: machine.timer !== undefined,
        events: machine.history.map((event) => {
          const body = readChainEvent(event.data);
          const createdAtMs = Date.parse(event.created_at);
          return { id: Number(event.id), step: body?.step, kind: body?.kind ?? "unknown", createdAtMs };
        }),
      };
    }
    lastFailure = outcome.label;
  }
  return `GetMachine failed: ${lastFailure}`;
}

export async function readHistories(
  automaton: AutomatonPool,
  ids: readonly string[],
): Promise<Map<string, MachineHistory | string>> {
  const histories = new Map<string, MachineHistory | string>();
  let next = 0;
  const reader = async () => {
    while (next < ids.length) {
      const id = ids[next] as string;
      next += 1;
      histories.set(id, await readOne(automaton, id));
    }
  };
  await Promise.all(Array.from({ length: READS_AT_ONCE }, reader));
  return histories;
}
