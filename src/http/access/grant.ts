/**
 * What the access control found a request may do, kept on its Hono context for the routes: whom it names, its
 * roles by namespace, whether its payloads are masked. Routes that act on a namespace named in the body (a bulk
 * run) or list namespaces ask `allows`; routes that show payloads use `payloadViewOf`.
 */
import type { Context } from "hono";
import { ALL_NAMESPACES, type Role, roleCovers, roleIn } from "../../core/access.js";
import { ANONYMOUS_ACTOR } from "../actor.js";
import { type JsonValue, payloadJson } from "../api/payloads.js";

export interface AccessGrant {
  readonly actor: string;
  readonly roles: Readonly<Record<string, Role>>;
  readonly maskPayloads: boolean;
  /** `tokens` when the node checks tokens, `none` when it does not. */
  readonly auth: "tokens" | "none";
}

declare module "hono" {
  interface ContextVariableMap {
    access: AccessGrant;
  }
}

/** A node without access control (`auth: none`, `ratchet dev`, an app mounted without it): anyone may do anything. */
export const OPEN_GRANT: AccessGrant = {
  actor: ANONYMOUS_ACTOR,
  roles: { [ALL_NAMESPACES]: "admin" },
  maskPayloads: false,
  auth: "none",
};

export function grantOf(context: Context): AccessGrant {
  return context.get("access") ?? OPEN_GRANT;
}

export function setGrant(context: Context, grant: AccessGrant): void {
  context.set("access", grant);
}

/** Whether the grant holds `role` (or more) in `namespace` (`*`: on every namespace). */
export function grantAllows(grant: Pick<AccessGrant, "roles">, namespace: string, role: Role): boolean {
  const held = roleIn(grant, namespace);
  return held !== null && roleCovers(held, role);
}

/** Whether the request may do what `role` allows in `namespace`. */
export function allows(context: Context, namespace: string, role: Role): boolean {
  return grantAllows(grantOf(context), namespace, role);
}

/** A payload in place of its bytes: the marker and the stored length only. */
export type MaskedPayload = { readonly $masked: true; readonly bytes: number };

export function maskedPayload(bytes: Uint8Array): MaskedPayload {
  return { $masked: true, bytes: bytes.byteLength };
}

/** How this request shows payloads: natural JSON, or the masked marker for a token with `mask_payloads`. */
export function payloadViewOf(context: Context): (bytes: Uint8Array) => JsonValue {
  return grantOf(context).maskPayloads ? maskedPayload : payloadJson;
}
