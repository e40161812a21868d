/**
 * Access control of the JSON API and the console: a bearer token (`Authorization: Bearer <secret>`) checked
 * against the configured hashes, its role checked against the one table (access-rules.ts), the request's actor
 * set for the routes and the audit log, requests beyond the rate limit refused. Three modes:
 *   tokens  every request under /v1/ needs a valid token; the console's files are open (the page asks for one)
 *   none    no token; every request is `anonymous` with every role (`auth: none`, `ratchet dev`, a loopback node)
 *   closed  a node on a non-loopback address with no tokens: /v1/ and /console answer 403 saying what to configure
 * The Automaton (/v1/automaton), /health, /ready, /metrics and /openapi.json are never checked here. A secret is
 * never written anywhere: not in a problem, not in a log line.
 */
import type { Context } from "hono";
import type { AccessToken, Role } from "../../core/access.js";
import { setActor } from "../actor.js";
import { problem, problemResponse } from "../api/problems.js";
import { AUTOMATON_PATH, type NodeApp } from "../routes.js";
import { requiredAccess } from "./access-rules.js";
import { type AccessGrant, grantAllows, grantOf, OPEN_GRANT, setGrant } from "./grant.js";
import { type RateLimit, RateLimiter } from "./rate-limiter.js";
import { bearerSecretOf, TokenStore } from "./token-store.js";

export const WHOAMI_PATH = "/v1/whoami";

export type AccessMode = "tokens" | "none" | "closed";

export interface AccessOptions {
  readonly mode: AccessMode;
  readonly tokens?: readonly AccessToken[];
  readonly rateLimit?: RateLimit | null;
  /** Epoch ms, for expiries and the rate limit. */
  readonly nowMs?: () => number;
  /** In the closed mode's problem: the address the node listens on. */
  readonly address?: string;
}

/** Adds access control before the JSON API and the console: `mount: (app) => { mountAccess(o)(app); … }`. */
export function mountAccess(options: AccessOptions): (app: NodeApp) => void {
  const nowMs = options.nowMs ?? Date.now;
  const limiter = options.rateLimit ? new RateLimiter(options.rateLimit, nowMs) : null;
  const store = new TokenStore(options.tokens ?? []);
  return function mountAccessControl(app) {
    if (options.mode === "closed") {
      const refuse = () => notConfigured(options.address ?? "a non-loopback address");
      app.use("/v1/*", async (context, next) => (isAutomaton(context) ? next() : refuse()));
      app.use("/console", async () => refuse());
      app.use("/console/*", async () => refuse());
      return;
    }
    const authenticate = options.mode === "tokens" ? tokenCheck(store, nowMs) : openCheck;
    app.use("/v1/*", async (context, next) => {
      if (isAutomaton(context)) return next();
      const found = authenticate(context);
      const limited =
        limiter === null ? undefined : rateLimited(limiter, found.limitKey ?? addressOf(context));
      if (limited !== undefined) return limited;
      if (found.refusal !== undefined) return found.refusal;
      const grant = found.grant as AccessGrant;
      const refusal = authorize(grant, context.req.method, context.req.path);
      if (refusal !== undefined) return refusal;
      setGrant(context, grant);
      setActor(context, grant.actor);
      return next();
    });
    app.get(WHOAMI_PATH, (context) => {
      const { actor, roles, auth } = grantOf(context);
      return context.json({ actor, roles, auth });
    });
  };
}

interface Authentication {
  readonly grant?: AccessGrant;
  readonly refusal?: Response;
  /** The rate limit's key: the token's name once known; the client's address otherwise. */
  readonly limitKey?: string;
}

function openCheck(): Authentication {
  return { grant: OPEN_GRANT };
}

function tokenCheck(store: TokenStore, nowMs: () => number) {
  return function checkToken(context: Context): Authentication {
    const secret = bearerSecretOf(context.req.header("authorization"));
    if (secret === undefined)
      return { refusal: unauthenticated("send Authorization: Bearer <token>; this node checks tokens") };
    const checked = store.check(secret, nowMs());
    if (checked.kind === "unknown")
      return { refusal: unauthenticated("the bearer token is not one of this node's") };
    if (checked.kind === "expired") return { refusal: unauthenticated("the bearer token has expired") };
    const { token } = checked;
    return {
      grant: { actor: token.name, roles: token.roles, maskPayloads: token.maskPayloads, auth: "tokens" },
      limitKey: `token:${token.name}`,
    };
  };
}

function authorize(grant: AccessGrant, method: string, path: string): Response | undefined {
  const needed = requiredAccess(method, path);
  if (needed.role === null) return undefined;
  const role: Role = needed.role;
  const allowed =
    needed.namespace === null
      ? Object.keys(grant.roles).some((namespace) => grantAllows(grant, namespace, role))
      : grantAllows(grant, needed.namespace, role);
  if (allowed) return undefined;
  return forbiddenResponse(grant, `${method} ${path}`, role, needed.namespace);
}

/**
 * The 403 problem of a request whose grant lacks `role` where it is needed: in one namespace, on every namespace
 * (`*`), or (null) in any namespace. Routes that learn the namespace only from what they read (a bulk run's)
 * answer with it too.
 */
export function forbiddenResponse(
  grant: AccessGrant,
  request: string,
  role: Role,
  namespace: string | null,
): Response {
  const where =
    namespace === null
      ? "in any namespace"
      : namespace === "*"
        ? "on every namespace (*)"
        : `in namespace ${namespace}`;
  return problemResponse(
    problem(
      "forbidden",
      403,
      "Forbidden",
      `${grant.actor} may not ${request}: it needs the ${role} role ${where}`,
      {
        code: "forbidden",
        failure_class: "processed",
        actor: grant.actor,
        required_role: role,
        ...(namespace === null ? {} : { namespace }),
      },
    ),
  );
}

function rateLimited(limiter: RateLimiter, key: string): Response | undefined {
  const decision = limiter.take(key);
  if (decision.allowed) return undefined;
  const answer = problemResponse(
    problem(
      "rate_limited",
      429,
      "Too many requests",
      `over the rate limit: retry after ${decision.retryAfterSeconds} s`,
      {
        code: "rate_limited",
        failure_class: "not_processed",
      },
    ),
  );
  answer.headers.set("retry-after", String(decision.retryAfterSeconds));
  return answer;
}

function unauthenticated(detail: string): Response {
  const answer = problemResponse(
    problem("unauthenticated", 401, "Unauthenticated", detail, {
      code: "unauthenticated",
      failure_class: "processed",
    }),
  );
  answer.headers.set("www-authenticate", 'Bearer realm="ratchet"');
  return answer;
}

function notConfigured(address: string): Response {
  return problemResponse(
    problem(
      "access_not_configured",
      403,
      "Access control is not configured",
      `this node listens on ${address}, beyond loopback, and has no tokens: configure auth.tokens (or RATCHET_TOKENS), or write auth: none to serve the JSON API and the console to anyone who reaches it`,
      { code: "access_not_configured", failure_class: "processed" },
    ),
  );
}

function isAutomaton(context: Context): boolean {
  return context.req.path === AUTOMATON_PATH;
}

/** The client's address, from Node's socket; `unknown` in-process (app.request() has no socket). */
function addressOf(context: Context): string {
  const incoming = (context.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
    ?.incoming;
  return `address:${incoming?.socket?.remoteAddress ?? "unknown"}`;
}
