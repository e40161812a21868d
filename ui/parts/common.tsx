/** Small pieces every page uses: a status badge, an instant with its full value on hover, a labelled value. */
import type { ComponentChildren } from "preact";
import { instantShort, relativeTo } from "../format.js";

export function StatusBadge({ status }: { readonly status: string }) {
  return <span class={`status status-${status}`}>{status}</span>;
}

export function Instant({
  at,
  relative = false,
}: {
  readonly at: string | null;
  readonly relative?: boolean;
}) {
  if (at === null) return <span class="muted">–</span>;
  return (
    <time dateTime={at} title={at}>
      {instantShort(at)}
      {relative && <span class="muted"> ({relativeTo(at, Date.now())})</span>}
    </time>
  );
}

export function Field({ label, children }: { readonly label: string; readonly children: ComponentChildren }) {
  return (
    <div class="field">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function NotAvailable({ what }: { readonly what: string }) {
  return (
    <p class="not-available" data-not-available={what}>
      Not available on this node ({what}).
    </p>
  );
}

export function Loading() {
  return <p class="muted loading">Loading…</p>;
}
