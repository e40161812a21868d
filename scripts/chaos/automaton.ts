/**
 * The soak as an MG client: one woody Automaton client per node, each request sent to a node that is not
 * known to be dead, with a deadline, and every outcome named by one label for the figures.
 */
import { MG_SCHEMA, type msgpack, stateProcessing } from "../../src/mg/thrift/generated/index.js";
import { createWoodyClient, type WoodyClient } from "../../src/mg/woody/client.js";
import { WoodyBusinessError, WoodySystemError } from "../../src/mg/woody/errors.js";
import { CHAIN_NAMESPACE } from "./chain.js";
import type { Random } from "./random.js";
import type { RatchetNode } from "./ratchet-nodes.js";

type AutomatonClient = WoodyClient<stateProcessing.AutomatonMethods>;

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly label: string; readonly error: unknown };

/** `MachineAlreadyExists`, `resource unavailable`, …; a failure without a woody class is `transport`. */
export function labelOf(error: unknown): string {
  if (error instanceof WoodyBusinessError) return error.typeName;
  if (error instanceof WoodySystemError) return error.errorClass;
  return "transport";
}

export class AutomatonPool {
  readonly #clients: Map<RatchetNode, AutomatonClient>;

  constructor(
    private readonly nodes: readonly RatchetNode[],
    private readonly random: Random,
  ) {
    this.#clients = new Map(
      nodes.map((node) => [
        node,
        createWoodyClient<stateProcessing.AutomatonMethods>({
          schema: MG_SCHEMA,
          service: stateProcessing.SERVICE.Automaton,
          url: node.automatonUrl,
          nowUs: () => Date.now() * 1000,
          poolSize: 20,
        }),
      ]),
    );
  }

  start(id: string, args: msgpack.Value, deadlineMs: number): Promise<Outcome<void>> {
    return this.#request(
      (client, options) => client.call("Start", { ns: CHAIN_NAMESPACE, id, a: args }, options),
      deadlineMs,
    );
  }

  call(id: string, args: msgpack.Value, deadlineMs: number): Promise<Outcome<msgpack.Value>> {
    const desc = { ns: CHAIN_NAMESPACE, ref: { id }, range: { limit: 1, direction: "backward" as const } };
    return this.#request((client, options) => client.call("Call", { desc, a: args }, options), deadlineMs);
  }

  simpleRepair(id: string, deadlineMs: number): Promise<Outcome<void>> {
    return this.#request(
      (client, options) => client.call("SimpleRepair", { ns: CHAIN_NAMESPACE, ref: { id } }, options),
      deadlineMs,
    );
  }

  /** The machine with its last event (`limit: 1` backward), or its whole history. */
  getMachine(id: string, deadlineMs: number, whole = false): Promise<Outcome<stateProcessing.Machine>> {
    const range: stateProcessing.HistoryRange = whole ? {} : { limit: 1, direction: "backward" };
    const desc = { ns: CHAIN_NAMESPACE, ref: { id }, range };
    return this.#request((client, options) => client.call("GetMachine", { desc }, options), deadlineMs);
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
  }

  async #request<T>(
    send: (client: AutomatonClient, options: { deadlineUs: number }) => Promise<T>,
    deadlineMs: number,
  ): Promise<Outcome<T>> {
    const candidates = this.nodes.filter((node) => node.state !== "killed");
    const node = this.random.pick(candidates.length > 0 ? candidates : this.nodes);
    const client = this.#clients.get(node) as AutomatonClient;
    try {
      return { ok: true, value: await send(client, { deadlineUs: (Date.now() + deadlineMs) * 1000 }) };
    } catch (error) {
      return { ok: false, label: labelOf(error), error };
    }
  }
}
