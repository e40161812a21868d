/**
 * Access roles and what a token grants: pure values shared by the configuration (which reads tokens) and the
 * HTTP layer (which checks them). Each role includes the ones before it: admin ⊃ operate ⊃ read.
 */

export const ROLES = ["read", "operate", "admin"] as const;

export type Role = (typeof ROLES)[number];

/** The grant that covers every namespace, and the paths that belong to none. */
export const ALL_NAMESPACES = "*";

/** A token as the node keeps it: never the secret, only its SHA-256. */
export interface AccessToken {
  /** Who the token names: the actor of its requests, in logs and the audit log. */
  readonly name: string;
  /** SHA-256 of the secret, 64 lower-case hex digits (text, so the frozen configuration can hold it). */
  readonly sha256: string;
  /** Role by namespace; `*` for every namespace (and for the paths under none). */
  readonly roles: Readonly<Record<string, Role>>;
  /** Refused from this instant on (ms since the epoch); null for never. */
  readonly expiresAtMs: number | null;
  /** Reads show payloads as a marker with their length, never their bytes. */
  readonly maskPayloads: boolean;
  /** Where it was configured, for start-up lines: `config` or `environment`. */
  readonly source: "config" | "environment";
}

export function isRole(word: string): word is Role {
  return (ROLES as readonly string[]).includes(word);
}

/** Whether `held` includes everything `needed` allows. */
export function roleCovers(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** The token's role in a namespace: its own grant there, else its `*` grant, else none. */
export function roleIn(token: Pick<AccessToken, "roles">, namespace: string): Role | null {
  return token.roles[namespace] ?? token.roles[ALL_NAMESPACES] ?? null;
}
