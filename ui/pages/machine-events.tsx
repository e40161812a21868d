/**
 * A machine's history, one page at a time, so that 100,000 events stay usable: the page is named in the location
 * hash by an event id and a direction (the API's `after` and `direction`), so first, older, newer, newest and
 * "go to event #N" each cost one read of one page, however long the history. Shown oldest first; the newest page
 * by default, which live refresh keeps current.
 */
import { useState } from "preact/hooks";
import type { Machine } from "../../src/sdk/client-views.js";
import type { HistoryRangeOption } from "../../src/sdk/step-output.js";
import { Instant } from "../parts/common.js";
import { JsonView } from "../parts/json-view.js";
import { machineHref } from "../router.js";

const PAGE_SIZES = ["20", "100", "500"];
const PAGE_SIZE_DEFAULT = "100";

/** The page the hash names: `after` and `dir` (forward or backward), `limit`; the newest page without them. */
export function eventsPageOf(query: Readonly<Record<string, string>>): HistoryRangeOption {
  const limit = Number(query.limit ?? PAGE_SIZE_DEFAULT);
  const after = query.after === undefined ? undefined : Number(query.after);
  const direction = query.dir === "forward" ? "forward" : "backward";
  return {
    limit: Number.isSafeInteger(limit) && limit > 0 ? limit : Number(PAGE_SIZE_DEFAULT),
    direction,
    ...(after !== undefined && Number.isSafeInteger(after) && after >= 0 ? { after } : {}),
  };
}

export function EventsPager({
  machine,
  query,
}: {
  readonly machine: Machine;
  readonly query: Readonly<Record<string, string>>;
}) {
  const [target, setTarget] = useState("");
  const events = [...machine.events].sort((a, b) => a.id - b.id);
  const first = events[0]?.id;
  const last = events.at(-1)?.id;
  const limit = query.limit ?? PAGE_SIZE_DEFAULT;
  const go = (page: { after?: number; dir?: "forward" | "backward"; limit?: string }) => {
    const next: Record<string, string> = { ...query, limit: page.limit ?? limit };
    delete next.after;
    delete next.dir;
    if (page.after !== undefined) next.after = String(page.after);
    if (page.dir !== undefined) next.dir = page.dir;
    if (next.limit === PAGE_SIZE_DEFAULT) delete next.limit;
    window.location.hash = machineHref(machine.namespace, machine.id, next);
  };
  const goTo = (eventId: number) => go({ after: Math.max(0, eventId - 1), dir: "forward" });
  return (
    <div data-part="events">
      <div class="pager">
        <button
          type="button"
          disabled={first === undefined || first <= 1}
          onClick={() => go({ after: 0, dir: "forward" })}
        >
          First
        </button>
        <button
          type="button"
          disabled={first === undefined || first <= 1}
          onClick={() => go({ after: first, dir: "backward" })}
        >
          Older
        </button>
        <span class="page-info" data-page-first={first ?? 0} data-page-last={last ?? 0}>
          {first === undefined
            ? "no events on this page"
            : `events ${first.toLocaleString("en")}–${(last ?? first).toLocaleString("en")} of ${machine.lastEventId.toLocaleString("en")}`}
        </span>
        <button
          type="button"
          disabled={last === undefined || last >= machine.lastEventId}
          onClick={() => go({ after: last, dir: "forward" })}
        >
          Newer
        </button>
        <button
          type="button"
          disabled={last === undefined || last >= machine.lastEventId}
          onClick={() => go({})}
        >
          Newest
        </button>
        <form
          class="inline"
          onSubmit={(event) => {
            event.preventDefault();
            const eventId = Number(target);
            if (Number.isSafeInteger(eventId) && eventId >= 1) goTo(eventId);
          }}
        >
          <label>
            Go to event #
            <input
              name="event-id"
              inputMode="numeric"
              size={8}
              value={target}
              onInput={(event) => setTarget(event.currentTarget.value)}
            />
          </label>
          <button type="submit" class="secondary">
            Go
          </button>
        </form>
        <label>
          Per page{" "}
          <select
            value={limit}
            onChange={(event) =>
              go({
                after: first === undefined ? 0 : first - 1,
                dir: "forward",
                limit: event.currentTarget.value,
              })
            }
          >
            {PAGE_SIZES.map((size) => (
              <option value={size}>{size}</option>
            ))}
          </select>
        </label>
      </div>
      <table class="grid events" data-table="events">
        <thead>
          <tr>
            <th class="num">#</th>
            <th>Created</th>
            <th class="num">Format</th>
            <th>Data</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr data-event={event.id}>
              <td class="num">{event.id}</td>
              <td>
                <Instant at={event.createdAt} />
              </td>
              <td class="num">{event.formatVersion ?? ""}</td>
              <td>
                <JsonView value={event.data} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
