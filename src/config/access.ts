/**
 * Ratchet's access keys: `auth` (bearer tokens, each stored as the SHA-256 of its secret, or `none`), `http`
 * (TLS of the node's HTTP server and the JSON API's rate limit) and `automaton` (the Automaton's own listener and
 * its token header). Tokens may also come from the environment (`RATCHET_TOKENS`), hashed as they are read so
 * the secret is kept nowhere.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { type AccessToken, ALL_NAMESPACES, isRole, ROLES, type Role } from "../core/access.js";
import { parseTimestampUs } from "../core/time.js";
import type { Environment } from "./document.js";
import type { ConfigIssue } from "./errors.js";
import { describeValue, flag, integer, ipAddress, number, oneOf, port, reject, text } from "./values.js";

/** `RATCHET_TOKENS=name:role:secret,name:role:secret`: every namespace, no expiry, payloads shown. */
export const TOKENS_VARIABLE = "RATCHET_TOKENS";

export interface AccessConfig {
  /**
   * `tokens` when any token is configured (file or environment); `none` when the file says `auth: none`;
   * `unset` otherwise (then `ratchet serve` keeps the JSON API and the console closed on a non-loopback address).
   */
  readonly auth: "tokens" | "none" | "unset";
  readonly tokens: readonly AccessToken[];
}

export interface HttpConfig {
  /** PEM files of the node's HTTP server; null for plain HTTP. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  /** Requests per token (or per client address without one) beyond this are refused with 429; null for none. */
  readonly rateLimit: { readonly requestsPerSecond: number; readonly burst: number } | null;
}

export interface AutomatonConfig {
  /** Its own listener; null to share `woody_server`'s, as MG does. */
  readonly listener: { readonly ip: string; readonly port: number } | null;
  /** A header every Automaton request must carry a token in (lower case); null for MG's trust model. */
  readonly tokenHeader: string | null;
}

const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
/** RFC 9110 token characters: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The SHA-256 of a token's secret as the configuration writes it: 64 lower-case hex digits. */
export function sha256Of(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

function tokenName() {
  return text().transform((input, context): string =>
    TOKEN_NAME.test(input)
      ? input
      : reject(
          context,
          `must be 1 to 64 of A-Z a-z 0-9 _ . @ - (starting with a letter or digit); got ${describeValue(input)}`,
        ),
  );
}

const ROLE = oneOf(ROLES);

const TOKEN = z
  .strictObject({
    name: tokenName(),
    sha256: text().transform((input, context): string =>
      SHA256_HEX.test(input)
        ? input.toLowerCase()
        : reject(
            context,
            "must be 64 hex digits: the SHA-256 of the secret (`ratchet token hash` prints it)",
          ),
    ),
    role: ROLE.optional(),
    roles: z.record(z.string(), ROLE).optional(),
    namespaces: z.array(text()).min(1).optional(),
    expires_at: text()
      .transform((input, context): number => {
        try {
          return Math.floor(parseTimestampUs(input, "expires_at", { requireUtc: false }) / 1000);
        } catch {
          return reject(
            context,
            `must be an RFC 3339 instant (2027-01-31T00:00:00Z); got ${describeValue(input)}`,
          );
        }
      })
      .optional(),
    mask_payloads: flag().prefault(false),
  })
  .transform((token, context): AccessToken => {
    const roles = rolesOf(token);
    if (typeof roles === "string") return reject(context, roles);
    return {
      name: token.name,
      sha256: token.sha256,
      roles,
      expiresAtMs: token.expires_at ?? null,
      maskPayloads: token.mask_payloads,
      source: "config",
    };
  });

/** `role` (for `namespaces`, or every one) or `roles` by namespace: exactly one; a problem's text otherwise. */
function rolesOf(token: {
  role?: Role | undefined;
  roles?: Record<string, Role> | undefined;
  namespaces?: string[] | undefined;
}): Record<string, Role> | string {
  if (token.roles !== undefined) {
    if (token.role !== undefined || token.namespaces !== undefined)
      return "gives roles, so it takes neither role nor namespaces";
    if (Object.keys(token.roles).length === 0) return "roles must name at least one namespace (or *)";
    return { ...token.roles };
  }
  if (token.role === undefined) return `needs role (${ROLES.join(", ")}) or roles by namespace`;
  const { role } = token;
  return Object.fromEntries((token.namespaces ?? [ALL_NAMESPACES]).map((namespace) => [namespace, role]));
}

export const AUTH_SCHEMA = z
  .union([z.literal("none"), z.strictObject({ tokens: z.array(TOKEN).prefault([]) })])
  .optional();

export const HTTP_SCHEMA = z
  .strictObject({
    tls: z.strictObject({ cert_file: text(), key_file: text() }).optional(),
    rate_limit: z
      .strictObject({
        requests_per_second: number({ min: 0.001 }),
        burst: integer({ min: 1 }).optional(),
      })
      .optional(),
  })
  .prefault({})
  .transform(
    (http): HttpConfig => ({
      tls: http.tls === undefined ? null : { certFile: http.tls.cert_file, keyFile: http.tls.key_file },
      rateLimit:
        http.rate_limit === undefined
          ? null
          : {
              requestsPerSecond: http.rate_limit.requests_per_second,
              burst: http.rate_limit.burst ?? Math.max(1, Math.ceil(http.rate_limit.requests_per_second)),
            },
    }),
  );

export const AUTOMATON_SCHEMA = z
  .strictObject({
    ip: ipAddress().optional(),
    port: port().optional(),
    token_header: text()
      .transform((input, context): string => {
        if (!HEADER_NAME.test(input))
          return reject(context, `must be a header name; got ${describeValue(input)}`);
        // woody's own headers are read as the request's context, and `woody.meta.*` is kept with the work a
        // request schedules and sent on to processors: a secret there would travel.
        if (input.toLowerCase().startsWith("woody."))
          return reject(
            context,
            "must not be a woody. header (woody.meta.* is stored and passed to processors)",
          );
        return input.toLowerCase();
      })
      .optional(),
  })
  .prefault({});

/** The Automaton's settings, given the address of `woody_server` it shares unless it has its own port. */
export function automatonConfigOf(
  automaton: z.output<typeof AUTOMATON_SCHEMA>,
  woodyIp: string,
): AutomatonConfig | ConfigIssue {
  if (automaton.ip !== undefined && automaton.port === undefined)
    return {
      path: "automaton.port",
      message: "is required with automaton.ip (its own listener needs a port)",
    };
  return {
    listener: automaton.port === undefined ? null : { ip: automaton.ip ?? woodyIp, port: automaton.port },
    tokenHeader: automaton.token_header ?? null,
  };
}

/**
 * The tokens of the file and of the environment together, with every problem: a name or a secret used twice, a
 * namespace no one configured, `auth: none` beside tokens.
 */
export function accessConfigOf(
  auth: z.output<typeof AUTH_SCHEMA>,
  env: Environment,
  namespaces: readonly string[],
): { access: AccessConfig; issues: ConfigIssue[] } {
  const fromEnvironment = environmentTokens(env[TOKENS_VARIABLE]);
  const issues: ConfigIssue[] = [...fromEnvironment.issues];
  const fileTokens = auth === undefined || auth === "none" ? [] : auth.tokens;
  const tokens = [...fileTokens, ...fromEnvironment.tokens];
  if (auth === "none" && tokens.length > 0)
    issues.push({ path: "auth", message: `is none, but ${TOKENS_VARIABLE} gives tokens: choose one` });
  issues.push(...duplicateIssues(tokens), ...namespaceIssues(fileTokens, namespaces));
  const mode = tokens.length > 0 ? "tokens" : auth === "none" ? "none" : "unset";
  return { access: { auth: mode, tokens }, issues };
}

/** `name:role:secret` entries separated by commas; the secret is everything after the second colon. */
export function environmentTokens(value: string | undefined): {
  tokens: AccessToken[];
  issues: ConfigIssue[];
} {
  const tokens: AccessToken[] = [];
  const issues: ConfigIssue[] = [];
  const entries = (value ?? "").split(",").filter((entry) => entry.trim() !== "");
  entries.forEach((entry, index) => {
    const [name = "", role = "", ...rest] = entry.trim().split(":");
    const secret = rest.join(":");
    // The entry is never quoted back: it holds a secret.
    const where = { path: `${TOKENS_VARIABLE}[${index}]` };
    if (!TOKEN_NAME.test(name))
      issues.push({ ...where, message: "needs name:role:secret with a valid name" });
    else if (!isRole(role)) issues.push({ ...where, message: `(${name}) has no role ${ROLES.join(", ")}` });
    else if (secret === "") issues.push({ ...where, message: `(${name}) has an empty secret` });
    else
      tokens.push({
        name,
        sha256: sha256Of(secret),
        roles: { [ALL_NAMESPACES]: role },
        expiresAtMs: null,
        maskPayloads: false,
        source: "environment",
      });
  });
  return { tokens, issues };
}

function duplicateIssues(tokens: readonly AccessToken[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Set<string>();
  const hashes = new Set<string>();
  for (const token of tokens) {
    const hash = token.sha256;
    if (names.has(token.name))
      issues.push({ path: "auth.tokens", message: `name ${token.name} is used twice` });
    if (hashes.has(hash))
      issues.push({ path: "auth.tokens", message: `${token.name}'s secret is another token's too` });
    names.add(token.name);
    hashes.add(hash);
  }
  return issues;
}

function namespaceIssues(tokens: readonly AccessToken[], namespaces: readonly string[]): ConfigIssue[] {
  return tokens.flatMap((token, index) =>
    Object.keys(token.roles)
      .filter((namespace) => namespace !== ALL_NAMESPACES && !namespaces.includes(namespace))
      .map((namespace) => ({
        path: `auth.tokens[${index}]`,
        message: `${token.name} names namespace ${JSON.stringify(namespace)}, which namespaces does not define`,
      })),
  );
}
