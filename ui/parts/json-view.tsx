/**
 * A payload in natural JSON, drawn for reading: plain JSON as itself, indented once it is longer than a line,
 * and the escapes for what JSON lacks shown for what they are: `{"$bytes": "<base64>"}` as the base64 with its
 * length in bytes, `$int` as the integer, `$float` as the float, `$map` as a map of any keys, `$raw` (stored bytes
 * that are not one value) and `$masked` (hidden from this token's role) as labels.
 */
import type { ComponentChildren } from "preact";
import { base64ByteLength } from "../format.js";

/** Values shorter than this (as compact JSON) stay on one line. */
const INLINE_CHARACTERS_MAX = 72;

export function JsonView({ value, inline = false }: { readonly value: unknown; readonly inline?: boolean }) {
  return <pre class={inline ? "json json-inline" : "json"}>{render(value, "", inline)}</pre>;
}

function render(value: unknown, indent: string, inline: boolean): ComponentChildren {
  const escaped = escapeOf(value);
  if (escaped !== null) return escaped;
  if (value === null) return <span class="json-null">null</span>;
  if (typeof value === "string") return <span class="json-string">{JSON.stringify(value)}</span>;
  if (typeof value === "number") return <span class="json-number">{String(value)}</span>;
  if (typeof value === "boolean") return <span class="json-boolean">{String(value)}</span>;
  const entries: [ComponentChildren, unknown][] = Array.isArray(value)
    ? value.map((item) => [null, item])
    : Object.entries(value as Record<string, unknown>).map(([name, item]) => [
        <span class="json-key">{JSON.stringify(name)}</span>,
        item,
      ]);
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) return `${open}${close}`;
  return container(entries, { open, close, indent, inline: inline || isShort(value) });
}

function container(
  entries: readonly [ComponentChildren, unknown][],
  shape: { open: string; close: string; indent: string; inline: boolean },
): ComponentChildren {
  const inner = `${shape.indent}  `;
  const parts: ComponentChildren[] = [shape.open];
  entries.forEach(([key, item], index) => {
    if (!shape.inline) parts.push(`\n${inner}`);
    if (key !== null) parts.push(key, ": ");
    parts.push(render(item, inner, shape.inline));
    if (index < entries.length - 1) parts.push(shape.inline ? ", " : ",");
  });
  parts.push(shape.inline ? shape.close : `\n${shape.indent}${shape.close}`);
  return parts;
}

function isShort(value: unknown): boolean {
  return JSON.stringify(value).length <= INLINE_CHARACTERS_MAX;
}

/** The drawing of a natural-JSON escape, or null for a plain value. */
function escapeOf(value: unknown): ComponentChildren | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1) return null;
  const record = value as Record<string, unknown>;
  const bytes = record.$bytes;
  if (typeof bytes === "string") {
    return (
      <span class="json-bytes" title="bytes, in base64">
        <span class="json-tag">bytes[{base64ByteLength(bytes)}]</span> {bytes}
      </span>
    );
  }
  if (typeof record.$raw === "string") {
    return (
      <span class="json-bytes" title="stored bytes that are not one msgpack value, in base64">
        <span class="json-tag">raw[{base64ByteLength(record.$raw)}]</span> {record.$raw}
      </span>
    );
  }
  if (typeof record.$int === "string")
    return (
      <span class="json-number" title="a 64-bit integer">
        {record.$int}
      </span>
    );
  if (typeof record.$float === "number")
    return (
      <span class="json-number" title="a float">
        {record.$float.toFixed(1)}
      </span>
    );
  if (record.$masked === true) return <span class="json-tag">masked</span>;
  if (Array.isArray(record.$map)) return mapOf(record.$map);
  return null;
}

/** A map whose keys are not all strings: `map{ key => value, … }`. */
function mapOf(pairs: readonly unknown[]): ComponentChildren {
  const parts: ComponentChildren[] = [<span class="json-tag">map</span>, "{"];
  pairs.forEach((pair, index) => {
    const [key, item] = Array.isArray(pair) ? pair : [pair, null];
    parts.push(render(key, "", true), " => ", render(item, "", true));
    if (index < pairs.length - 1) parts.push(", ");
  });
  parts.push("}");
  return parts;
}
