/**
 * The node's tokens, looked up by the secret a request presents. Only SHA-256 hashes are kept; the presented
 * secret is hashed and compared with every token's hash in constant time (crypto.timingSafeEqual on equal-length
 * digests), and the loop never stops early, so the time taken says nothing about which token came close.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { AccessToken } from "../../core/access.js";

export type TokenCheck =
  | { readonly kind: "valid"; readonly token: AccessToken }
  | { readonly kind: "expired"; readonly token: AccessToken }
  | { readonly kind: "unknown" };

export class TokenStore {
  readonly #tokens: readonly { readonly token: AccessToken; readonly digest: Buffer }[];

  constructor(tokens: readonly AccessToken[]) {
    this.#tokens = tokens.map((token) => ({ token, digest: Buffer.from(token.sha256, "hex") }));
  }

  get size(): number {
    return this.#tokens.length;
  }

  /** The token whose secret this is, and whether it is still valid at `nowMs`. */
  check(secret: string, nowMs: number): TokenCheck {
    const digest = createHash("sha256").update(secret, "utf8").digest();
    let found: AccessToken | undefined;
    for (const entry of this.#tokens) {
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.token;
    }
    if (found === undefined) return { kind: "unknown" };
    if (found.expiresAtMs !== null && nowMs >= found.expiresAtMs) return { kind: "expired", token: found };
    return { kind: "valid", token: found };
  }
}

/** The secret of an `Authorization: Bearer <secret>` header; undefined without one. */
export function bearerSecretOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}
