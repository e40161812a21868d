/**
 * Who sent a request, as the access control found it: a token's name, or `anonymous` where the node needs no token.
 * Set once per request by the access middleware and read by the routes that act (the audit log's who), through
 * Hono's typed context variables so no route reads an untyped key.
 */
import type { Context } from "hono";

declare module "hono" {
  interface ContextVariableMap {
    actor: string;
  }
}

/** The actor of a request no access control has named (a node with `auth: none`, or `ratchet dev`). */
export const ANONYMOUS_ACTOR = "anonymous";

export function actorOf(context: Context): string {
  return context.get("actor") ?? ANONYMOUS_ACTOR;
}

export function setActor(context: Context, actor: string): void {
  context.set("actor", actor);
}
