/**
 * Debian's chromium, driven by playwright-core, as the console's browser tests and `npm run screenshots` use it:
 * the executable `command -v chromium` finds, headless, with a fresh profile folder, and with the switches that
 * keep it from reaching for the network (this machine's network refuses its background connections).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

/** Where chromium is; a clear error when it is not installed (`apt-get install -y chromium`). */
export function chromiumPath(): string {
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("chromium is not installed: apt-get install -y chromium (.ci/run installs it)");
  }
}

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A headless chromium on a fresh profile (its own `--user-data-dir`, removed at close). */
export async function launchChromium(
  options: { readonly width?: number; readonly height?: number } = {},
): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), "ratchet-chromium-"));
  try {
    // launchPersistentContext passes `profile` as chromium's --user-data-dir (launch() refuses that switch).
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: options.width ?? 1360, height: options.height ?? 900 },
      timeout: 30_000,
    });
    return {
      context,
      async close() {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}
