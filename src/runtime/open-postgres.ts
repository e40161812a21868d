/** Opens the PostgreSQL adapter for the composition root. */
import type { Storage } from "../storage/storage.js";
import type { SystemClock } from "./system-clock.js";

export async function openPostgresStorage(
  choice: { url: string; schema?: string; poolSize?: number },
  clock: SystemClock,
): Promise<Storage> {
  void choice;
  void clock;
  throw new Error("PostgreSQL storage is not wired into this build yet");
}
