/**
 * What `ratchet serve` makes of the access keys: the access control's mode (a node on a non-loopback address
 * without tokens keeps the JSON API and the console closed unless the file says `auth: none`), the TLS files
 * read, the Automaton's guard, and the start-up lines. Tokens are named in those lines, never their secrets.
 */
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import type { RatchetConfig } from "../config/config.js";
import type { AccessOptions } from "../http/access/access-control.js";
import { automatonTokenCheck } from "../http/access/automaton-token.js";
import type { RoutesOptions } from "../http/routes.js";

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback: only this host can reach them. */
export function isLoopback(ip: string): boolean {
  if (isIP(ip) === 4) return ip.startsWith("127.");
  const lower = ip.toLowerCase();
  return lower === "::1" || lower.startsWith("::ffff:127.");
}

/** The access control of the JSON API and the console on the `woody_server` address. */
export function accessOptionsOf(config: RatchetConfig): AccessOptions {
  const { access } = config;
  const base = { tokens: access.tokens, rateLimit: config.http.rateLimit, address: config.woodyServer.ip };
  if (access.auth === "tokens") return { ...base, mode: "tokens" };
  if (access.auth === "none" || isLoopback(config.woodyServer.ip)) return { ...base, mode: "none" };
  return { ...base, mode: "closed" };
}

/** Lines for the start: which tokens, from where; a warning when closed. */
export function accessLines(
  config: RatchetConfig,
  mode: AccessOptions["mode"],
): { info: string[]; warnings: string[] } {
  const { tokens } = config.access;
  const sources = (source: string) => tokens.filter((token) => token.source === source).length;
  const info =
    mode === "tokens"
      ? [
          `access: ${tokens.length} token(s) (${sources("config")} from the config, ${sources("environment")} from RATCHET_TOKENS): ${tokens.map((token) => token.name).join(", ")}`,
        ]
      : mode === "none"
        ? [
            `access: no tokens needed (${config.access.auth === "none" ? "auth: none" : "loopback address only"})`,
          ]
        : [];
  const warnings =
    mode === "closed"
      ? [
          `warning: the JSON API and the console are closed: this node listens on ${config.woodyServer.ip}, beyond loopback, and no tokens are configured (set auth.tokens or RATCHET_TOKENS, or auth: none); the Automaton is served as before`,
        ]
      : [];
  return { info, warnings };
}

/** The guard of the Automaton when `automaton.token_header` names a header. */
export function automatonGuardOf(config: RatchetConfig): Pick<RoutesOptions, "automatonGuard"> {
  const header = config.automaton.tokenHeader;
  if (header === null) return {};
  return { automatonGuard: automatonTokenCheck({ header, tokens: config.access.tokens }) };
}

/** The certificate and key of `http.tls`, read now so a missing file stops the start with its path. */
export async function tlsOf(config: RatchetConfig): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  const { tls } = config.http;
  if (tls === null) return undefined;
  const read = (path: string, key: string) =>
    readFile(path).catch((error: Error) => {
      throw new Error(`cannot read http.tls.${key} ${path}: ${error.message}`, { cause: error });
    });
  const [cert, key] = await Promise.all([read(tls.certFile, "cert_file"), read(tls.keyFile, "key_file")]);
  return { cert, key };
}
