/**
 * The one table of who may do what on the JSON API: each rule names a method, a path and the least role it
 * needs, and where that role must be held (the rule's scope). The first rule that matches applies; a request no
 * rule names needs `admin` everywhere, so a route added later is closed until the table says otherwise.
 * docs/operations.md §16 prints the same table.
 */
import { ALL_NAMESPACES, type Role } from "../../core/access.js";

/**
 * Where the role must be held: in the namespace of the path (`/v1/namespaces/{ns}/…`); in at least one namespace
 * (paths under none that a token of any namespace needs, such as the namespaces list, filtered to its own);
 * or on `*` (paths that show or change every namespace).
 */
export type RuleScope = "namespace" | "any" | "all";

export interface AccessRule {
  /** Upper case; `GET` covers `HEAD`. */
  readonly method: "GET" | "POST" | "DELETE" | "*";
  /** The route as the docs write it. */
  readonly route: string;
  readonly pattern: RegExp;
  /** The least role; null for any valid token (who am I). */
  readonly role: Role | null;
  readonly scope: RuleScope;
}

const NS = "/v1/namespaces/([^/]+)";
const MACHINE = `${NS}/machines/[^/]+`;

function rule(
  method: AccessRule["method"],
  route: string,
  pattern: string,
  role: Role | null,
  scope: RuleScope,
) {
  return { method, route, pattern: new RegExp(`^${pattern}$`), role, scope } satisfies AccessRule;
}

export const ACCESS_RULES: readonly AccessRule[] = [
  rule("GET", "/v1/whoami", "/v1/whoami", null, "any"),
  // The audit log names every operator and what they did, in every namespace.
  rule("GET", "/v1/audit", "/v1/audit(?:/.*)?", "admin", "all"),
  rule("GET", "/v1/namespaces", "/v1/namespaces", "read", "any"),
  rule("GET", "/v1/namespaces/{ns}/…", `${NS}(?:/.*)?`, "read", "namespace"),
  // A bulk run's id is random; its route checks the run's namespace.
  rule("GET", "/v1/bulk/{id}/…", "/v1/bulk/[^/]+(?:/.*)?", "read", "any"),
  rule("GET", "any other GET under /v1/ (the outbox)", "/v1/.*", "read", "all"),
  rule("POST", "/v1/namespaces/{ns}/machines (start)", `${NS}/machines`, "operate", "namespace"),
  rule(
    "POST",
    "/v1/namespaces/{ns}/machines/{id}/call, notify, repair, simple-repair, pause, resume, retry-now",
    `${MACHINE}/(?:call|notify|repair|simple-repair|pause|resume|retry-now)`,
    "operate",
    "namespace",
  ),
  rule("POST", "/v1/namespaces/{ns}/bulk (bulk runs, dry runs)", `${NS}/bulk`, "operate", "namespace"),
  rule("POST", "/v1/bulk/{id}/cancel", "/v1/bulk/[^/]+/cancel", "operate", "any"),
  rule("POST", "/v1/namespaces/{ns}/machines/{id}/modernize", `${MACHINE}/modernize`, "admin", "namespace"),
  rule("DELETE", "/v1/namespaces/{ns}/machines/{id} (remove)", MACHINE, "admin", "namespace"),
  rule("*", "anything else under /v1/", "/v1/.*", "admin", "all"),
];

export interface RequiredAccess {
  readonly rule: AccessRule;
  readonly role: Role | null;
  /** The namespace the role must be held in; `*` for scope `all`; null for scope `any`. */
  readonly namespace: string | null;
}

/** The rule for a request; its namespace is decoded from the path (a malformed escape is taken as written). */
export function requiredAccess(method: string, path: string): RequiredAccess {
  const verb = method.toUpperCase() === "HEAD" ? "GET" : method.toUpperCase();
  for (const candidate of ACCESS_RULES) {
    if (candidate.method !== "*" && candidate.method !== verb) continue;
    const match = candidate.pattern.exec(path);
    if (match === null) continue;
    return { rule: candidate, role: candidate.role, namespace: namespaceOf(candidate.scope, match[1]) };
  }
  // Unreachable for paths under /v1/ (the last rule matches them all); anything else is not the API's.
  const last = ACCESS_RULES.at(-1) as AccessRule;
  return { rule: last, role: "admin", namespace: ALL_NAMESPACES };
}

function namespaceOf(scope: RuleScope, encoded: string | undefined): string | null {
  if (scope === "any") return null;
  if (scope === "all" || encoded === undefined) return ALL_NAMESPACES;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}
