/** MG's rules for writing back a modernized event: only strictly upgraded bodies are written. */
import { ProcessorResultInvalidError } from "./errors.js";
import type { Content, Event } from "./machine.js";

/** Whether an event is older than the namespace's current format version and should be modernized. */
export function needsModernization(event: Event, currentFormatVersion: number): boolean {
  return event.formatVersion === undefined || event.formatVersion < currentFormatVersion;
}

/** The body to write, or null to leave the event as it is. */
export function decideModernizedContent(event: Event, result: Content): Content | null {
  if (event.formatVersion === undefined) return result;
  if (result.formatVersion === undefined || result.formatVersion < event.formatVersion) {
    throw new ProcessorResultInvalidError(
      `invalid modernized version: event ${event.id} has format version ${event.formatVersion}, ` +
        `the modernizer returned ${result.formatVersion ?? "none"}`,
    );
  }
  return result.formatVersion > event.formatVersion ? result : null;
}
