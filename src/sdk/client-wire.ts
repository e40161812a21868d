/**
 * The JSON API's answers as it spells them (snake_case, instants as RFC 3339 text, payloads as natural JSON): what
 * RatchetClient reads before it turns them into TypeScript's spelling (client-views.ts). The server's zod schemas
 * (src/http/api/) are the source of truth; the SDK cannot import them (they bring Hono), so tests/sdk/ pins each
 * type here to the schema's inferred type, and a change on either side fails the build.
 */
import type { JournalOutcome } from "../core/journal.js";
import type { MachineStatus } from "../core/machine.js";
import type { JsonValue } from "../mg/msgpack/natural-json.js";

export interface WireEvent {
  readonly id: number;
  readonly created_at: string;
  readonly format_version: number | null;
  readonly data: JsonValue;
}

export interface WireMachine {
  readonly namespace: string;
  readonly id: string;
  readonly status: MachineStatus;
  readonly failure: {
    readonly reason: string;
    readonly previous_status: "idle" | "waiting" | "retrying";
    readonly failed_at: string;
  } | null;
  readonly pause: { readonly reason: string; readonly by: string; readonly paused_at: string } | null;
  readonly timer: {
    readonly due_at: string;
    readonly step: string | null;
    readonly processor: string | null;
  } | null;
  readonly retry: {
    readonly attempt: number;
    readonly first_failed_at: string;
    readonly due_at: string;
    readonly last_error: string;
  } | null;
  readonly aux_state: { readonly format_version: number | null; readonly data: JsonValue };
  readonly created_at: string;
  readonly updated_at: string;
  readonly last_event_id: number;
  readonly events: readonly WireEvent[];
  readonly next_after: number | null;
}

export interface WireMachinePage {
  readonly machines: readonly {
    readonly id: string;
    readonly status: MachineStatus;
    readonly failure_reason: string | null;
    readonly timer_due_at: string | null;
    readonly last_event_id: number;
    readonly updated_at: string;
  }[];
  readonly next_cursor: string | null;
}

export interface WireResponse {
  readonly response: JsonValue;
}

export interface WireNotified {
  readonly notification_id: string;
}

export interface WireNotificationList {
  readonly notifications: readonly {
    readonly id: string;
    readonly attempts: number;
    readonly next_attempt_at: string;
    readonly last_error: string | null;
    readonly created_at: string;
  }[];
}

export interface WireNamespaceList {
  readonly namespaces: readonly {
    readonly name: string;
    readonly machine_counts: Readonly<Record<MachineStatus, number>>;
    readonly counts_capped_at: number;
    readonly counted_at: string;
    readonly timers_due_next_minute: number;
  }[];
}

export interface WireStepPage {
  readonly steps: readonly {
    readonly step_number: number;
    readonly kind: string;
    readonly name: string;
    readonly processor: string | null;
    readonly attempt: number;
    readonly started_at: string;
    readonly ended_at: string;
    readonly duration_ms: number;
    readonly outcome: JournalOutcome;
    readonly error_class: string | null;
    readonly error_text: string | null;
    readonly events_appended: number;
  }[];
  readonly next_after: number | null;
}

export interface WireFigures {
  readonly count: number;
  readonly attempts: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly failure_rate: number;
  readonly retry_rate: number;
  readonly declared: boolean | null;
}

export interface WireFlow {
  readonly namespace: string;
  readonly since: string;
  readonly until: string;
  readonly entries: number;
  readonly truncated: boolean;
  readonly nodes: readonly (WireFigures & { readonly step: string })[];
  readonly edges: readonly (WireFigures & { readonly from: string; readonly to: string })[];
}
