/**
 * The Automaton's optional token header (`automaton.token_header`). MG trusted every caller that reached its
 * port, and so does Ratchet by default; with a header named, each Automaton request must carry in it the secret of
 * a valid token whose role on every namespace (`*`) is `operate` or `admin`: the Automaton names its namespace
 * inside the Thrift body, and MG's callers use its whole service (Remove and Modernize included). A refusal is
 * woody's: the status (401, 403) with `woody.error-class: Result Unexpected` and the reason, no body, so a woody
 * client fails the call as "result unexpected" and does not retry it.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AccessToken } from "../../core/access.js";
import { ALL_NAMESPACES } from "../../core/access.js";
import { ERROR_CLASS_HEADER_VALUE } from "../../mg/woody/errors.js";
import { encodeErrorReason, WOODY_HEADER } from "../../mg/woody/headers.js";
import { setActor } from "../actor.js";
import { grantAllows } from "./grant.js";
import { TokenStore } from "./token-store.js";

export interface AutomatonTokenOptions {
  /** The header's name, lower case. */
  readonly header: string;
  readonly tokens: readonly AccessToken[];
  readonly nowMs?: () => number;
}

export function automatonTokenCheck(options: AutomatonTokenOptions): MiddlewareHandler {
  const store = new TokenStore(options.tokens);
  const nowMs = options.nowMs ?? Date.now;
  return async function checkAutomatonToken(context, next) {
    const secret = context.req.header(options.header)?.trim();
    if (secret === undefined || secret === "")
      return refuse(context, 401, `the ${options.header} header is required`);
    const checked = store.check(secret, nowMs());
    if (checked.kind === "unknown")
      return refuse(context, 401, `the ${options.header} token is not one of this node's`);
    if (checked.kind === "expired") return refuse(context, 401, `the ${options.header} token has expired`);
    if (!grantAllows(checked.token, ALL_NAMESPACES, "operate"))
      return refuse(
        context,
        403,
        `${checked.token.name} needs the operate role on every namespace (*) for the Automaton`,
      );
    setActor(context, checked.token.name);
    await next();
  };
}

function refuse(context: Context, status: 401 | 403, reason: string): Response {
  return context.body(null, status, {
    [WOODY_HEADER.ERROR_CLASS]: ERROR_CLASS_HEADER_VALUE["result unexpected"],
    [WOODY_HEADER.ERROR_REASON]: encodeErrorReason(reason),
  });
}
