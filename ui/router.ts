/**
 * The console's pages, addressed after `#` so that the server serves one page at `/console` and every view can
 * be linked to, bookmarked and reloaded: `#/`, `#/search?ns=payments&status=failed`, `#/machines/payments/pay-1`,
 * `#/flow/payments`, `#/audit`. Pure: parsing and formatting only (the browser part is in app.tsx).
 */

export type Route =
  | { readonly page: "overview" }
  | { readonly page: "search"; readonly query: Readonly<Record<string, string>> }
  | {
      readonly page: "machine";
      readonly namespace: string;
      readonly id: string;
      readonly query: Readonly<Record<string, string>>;
    }
  | {
      readonly page: "flow";
      readonly namespace: string | null;
      readonly query: Readonly<Record<string, string>>;
    }
  | { readonly page: "audit"; readonly query: Readonly<Record<string, string>> }
  | { readonly page: "not-found"; readonly hash: string };

/** The route a location hash (`#/machines/payments/pay-1?tab=steps`) names. */
export function parseRoute(hash: string): Route {
  const text = hash.startsWith("#") ? hash.slice(1) : hash;
  const [path = "", search = ""] = splitOnce(text, "?");
  const query = Object.fromEntries(new URLSearchParams(search));
  const parts = path
    .split("/")
    .filter((part) => part !== "")
    .map(decodePart);
  if (parts.some((part) => part === null)) return { page: "not-found", hash };
  const [first, ...rest] = parts as string[];
  if (first === undefined) return { page: "overview" };
  if (first === "search" && rest.length === 0) return { page: "search", query };
  if (first === "audit" && rest.length === 0) return { page: "audit", query };
  if (first === "flow" && rest.length <= 1) return { page: "flow", namespace: rest[0] ?? null, query };
  if (first === "machines" && rest.length === 2) {
    const [namespace, id] = rest as [string, string];
    return { page: "machine", namespace, id, query };
  }
  return { page: "not-found", hash };
}

/** The hash of a route; query values that are empty or undefined are left out. */
export function hrefOf(route: Route): string {
  switch (route.page) {
    case "overview":
      return "#/";
    case "search":
      return `#/search${queryText(route.query)}`;
    case "audit":
      return `#/audit${queryText(route.query)}`;
    case "flow":
      return `#/flow${route.namespace === null ? "" : `/${encodeURIComponent(route.namespace)}`}${queryText(route.query)}`;
    case "machine":
      return `#/machines/${encodeURIComponent(route.namespace)}/${encodeURIComponent(route.id)}${queryText(route.query)}`;
    case "not-found":
      return route.hash;
  }
}

export function machineHref(namespace: string, id: string, query: Record<string, string> = {}): string {
  return hrefOf({ page: "machine", namespace, id, query });
}

export function searchHref(query: Record<string, string | undefined>): string {
  return hrefOf({ page: "search", query: definedOnly(query) });
}

export function flowHref(namespace: string | null, query: Record<string, string | undefined> = {}): string {
  return hrefOf({ page: "flow", namespace, query: definedOnly(query) });
}

function queryText(query: Readonly<Record<string, string | undefined>>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== "") params.set(name, value);
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

function definedOnly(query: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== "") result[name] = value;
  return result;
}

function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index === -1 ? [text, ""] : [text.slice(0, index), text.slice(index + 1)];
}

/** A path part as it was encoded; null for a malformed escape (`%E0%A4%A`), which names no page. */
function decodePart(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}
