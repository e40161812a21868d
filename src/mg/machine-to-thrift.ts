/**
 * Engine values → state_processing structs, as MG fills them (machinegun-behaviour.md §1.3): `created_at` in
 * RFC 3339 with µs, `timer` in whole seconds, the history range echoed, no `status` for processors. Payload
 * bytes are stored msgpack.Value encodings (msgpack-value.ts); the empty payload is MG's initial aux state.
 */
import type { HistoryRange } from "../core/history-range.js";
import type { Content, Event, Payload } from "../core/machine.js";
import { formatTimestampSeconds, formatTimestampUs } from "../core/time.js";
import type { MachineView } from "../processors/processor.js";
import { decodeValue, type Value } from "./msgpack/msgpack-value.js";
import { ThriftDecodeError } from "./thrift/errors.js";
import { MG_SCHEMA, stateProcessing } from "./thrift/generated/index.js";
import { preencodeStruct } from "./thrift/struct-encoder.js";

/** MG's aux state of a machine whose processor never set one: `bin ""`. */
const EMPTY_PAYLOAD_VALUE: Value = Object.freeze({ bin: new Uint8Array(0) });

/** A stored payload as the Value it encodes. The empty payload (never a valid encoding) stands for `bin ""`. */
export function payloadToValue(payload: Payload, field: string): Value {
  if (payload.byteLength === 0) return EMPTY_PAYLOAD_VALUE;
  try {
    return decodeValue(payload);
  } catch (error) {
    throw error instanceof ThriftDecodeError ? error.within(field) : error;
  }
}

export function contentToThrift(content: Content, field: string): stateProcessing.Content {
  const data = payloadToValue(content.data, `${field}.data`);
  return content.formatVersion === undefined ? { data } : { format_version: content.formatVersion, data };
}

export function eventToThrift(event: Event, field = "event"): stateProcessing.Event {
  const common = { id: BigInt(event.id), created_at: formatTimestampUs(event.createdAtUs) };
  const data = payloadToValue(event.data, `${field}.data`);
  return event.formatVersion === undefined
    ? { ...common, data }
    : { ...common, format_version: event.formatVersion, data };
}

/**
 * Each event's Thrift encoding, made the first time the event is sent and kept as long as the event object
 * lives: the history cache hands the same objects to every step, so a machine's history is encoded once, not
 * in every call to its processor (which, with MG's whole-history calls, grew with the history). Entries die with
 * their events, so this holds at most one encoding per event the history cache or a step in flight holds.
 */
const encodedEvents = new WeakMap<Event, stateProcessing.Event>();

/**
 * As eventToThrift, as an encoding the Thrift encoder writes as it is (see EncodedStruct). An error names the
 * event `history[index]` (or `event`); that name is made only when the event is encoded, not on every send.
 */
export function eventToThriftEncoded(event: Event, index?: number): stateProcessing.Event {
  let encoded = encodedEvents.get(event);
  if (encoded === undefined) {
    const field = index === undefined ? "event" : `history[${index}]`;
    encoded = preencodeStruct(MG_SCHEMA, stateProcessing.STRUCT.Event, eventToThrift(event, field));
    encodedEvents.set(event, encoded);
  }
  return encoded;
}

export function historyRangeToThrift(range: HistoryRange): stateProcessing.HistoryRange {
  return {
    ...(range.after !== undefined && { after: BigInt(range.after) }),
    ...(range.limit !== undefined && { limit: range.limit }),
    direction: range.direction,
  };
}

/** The Machine a processor receives; its history events are encodings, fit to be encoded, not to be read. */
export function machineToThrift(machine: MachineView): stateProcessing.Machine {
  return {
    ns: machine.namespace,
    id: machine.id,
    history: machine.history.map((event, index) => eventToThriftEncoded(event, index)),
    history_range: historyRangeToThrift(machine.historyRange),
    aux_state: contentToThrift(machine.auxState, "aux_state"),
    ...(machine.timerDueAtUs !== null && { timer: formatTimestampSeconds(machine.timerDueAtUs) }),
  };
}
