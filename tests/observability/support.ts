/** A `ratchet serve` node for the observability tests: a YAML configuration file and an HTTP-JSON processor. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { DestinationStream } from "pino";
import { type ServingNode, startServing } from "../../src/cli/serve.js";
import type { Environment } from "../../src/config/config.js";

/** Collects pino's lines as the node writes them. */
export class LogCapture extends Writable implements DestinationStream {
  readonly chunks: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString("utf8"));
    callback();
  }

  get text(): string {
    return this.chunks.join("");
  }

  lines(): Record<string, unknown>[] {
    return this.text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface ServedConfig {
  readonly serving: ServingNode;
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Serves `yaml` (storage in memory, woody_server on a free port) with the node's log captured. */
export async function serveConfig(
  yaml: string,
  options: { logs?: LogCapture; env?: Environment } = {},
): Promise<ServedConfig> {
  const directory = mkdtempSync(join(tmpdir(), "ratchet-observability-"));
  const configPath = join(directory, "ratchet.yaml");
  writeFileSync(configPath, `woody_server: {ip: 127.0.0.1, port: 0}\nstorage: {type: memory}\n${yaml}`);
  try {
    const serving = await startServing({
      configPath,
      write: () => {},
      warn: () => {},
      ...(options.env === undefined ? { env: {} } : { env: options.env }),
      ...(options.logs === undefined ? {} : { logDestination: options.logs }),
    });
    return {
      serving,
      baseUrl: `http://127.0.0.1:${serving.address.port}`,
      async close() {
        try {
          await serving.stop();
        } finally {
          rmSync(directory, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}
