/**
 * `ratchet token hash`: prints the SHA-256 (hex) of a token's secret read from standard input, the value the
 * configuration's `auth.tokens[].sha256` takes, so the secret never has to be written into a file or a command
 * line (where the shell's history and `ps` would keep it). One trailing newline is dropped.
 */
import { sha256Of } from "../config/access.js";
import type { CliIo } from "./command-arguments.js";
import { UsageError } from "./command-arguments.js";
import { EXIT } from "./exit-codes.js";

export const TOKEN_USAGE = `usage: ratchet token hash < secret-file

  prints the SHA-256 of the token's secret read from standard input (one trailing newline dropped), for
  auth.tokens[].sha256; generate a secret with e.g. openssl rand -base64 32`;

export async function runTokenCommand(
  args: readonly string[],
  io: CliIo,
  stdin: AsyncIterable<Buffer | string>,
): Promise<number> {
  if (args[0] !== "hash" || args.length > 1)
    throw new UsageError("token takes one subcommand: hash", TOKEN_USAGE);
  let text = "";
  for await (const chunk of stdin) text += chunk.toString();
  const secret = text.replace(/\r?\n$/, "");
  if (secret === "") throw new UsageError("no secret on standard input", TOKEN_USAGE);
  io.write(sha256Of(secret));
  return EXIT.ok;
}
