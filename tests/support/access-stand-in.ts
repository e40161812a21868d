/**
 * A STAND-IN for access control, until the node has its own: the contract's bearer tokens on /v1/ (401
 * `unauthenticated` without a known token, 403 `forbidden` for a change by a `read` token) and `GET /v1/whoami`.
 * Only the console's tests use it, to show that the console asks for a token on a 401 and shows a 403's problem;
 * it is no implementation of access control.
 */
import type { NodeApp } from "../../src/http/routes.js";

export interface StandInToken {
  readonly token: string;
  readonly actor: string;
  readonly role: "read" | "operate" | "admin";
}

function problem(status: number, code: string, title: string, detail: string): Response {
  const body = {
    type: `urn:ratchet:problem:${code}`,
    title,
    status,
    detail,
    code,
    failure_class: "processed",
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
}

export function mountAccessStandIn(app: NodeApp, tokens: readonly StandInToken[]): void {
  const byHeader = new Map(tokens.map((token) => [`Bearer ${token.token}`, token]));
  app.use("/v1/*", async (context, next) => {
    const token = byHeader.get(context.req.header("authorization") ?? "");
    if (token === undefined)
      return problem(401, "unauthenticated", "Unauthenticated", "a valid bearer token is needed");
    if (context.req.method !== "GET" && token.role === "read")
      return problem(403, "forbidden", "Forbidden", `${token.actor} has the read role only`);
    await next();
  });
  app.get("/v1/whoami", (context) => {
    const token = byHeader.get(context.req.header("authorization") ?? "") as StandInToken;
    return context.json({ actor: token.actor, roles: { "*": token.role }, auth: "tokens" });
  });
}
