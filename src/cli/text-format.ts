/** Text for a terminal that CLI commands share: aligned tables, and durations people read at a glance. */

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function tableLines(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ");
  return [line(header), ...rows.map(line)];
}

/** A duration for people: `850ms`, `12.3s`, `4m 05s`, `2h 03m`; below 10 ms with a tenth (`0.4ms`). */
export function durationText(durationMs: number): string {
  if (durationMs < 9.95) return `${(Math.round(durationMs * 10) / 10).toString()}ms`;
  const ms = Math.round(durationMs);
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor(seconds / 60) % 60).padStart(2, "0")}m`;
}

/** Names and ids as they are, unless spaces, quotes or control characters would blur them: then JSON-quoted. */
export function displayText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for.
  return text === "" || /[\s"\\\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : text;
}
