/**
 * The physical ceiling of the embedded store: one step's raw writes (update the machine row, insert one 64-byte
 * event) as one durable transaction each, with the same driver and pragmas the adapter uses. better-sqlite3 is
 * synchronous, so concurrency cannot raise it: this is what a naive engine committing step by step gets.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { payload } from "./payload.js";

export function sqliteCeiling(options: { seconds: number; machines: number }): { stepsPerSecond: number } {
  const directory = mkdtempSync(join(tmpdir(), "ratchet-ceiling-"));
  const db = new Database(join(directory, "ceiling.db"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = full");
    db.exec(`CREATE TABLE machines (id INTEGER PRIMARY KEY, last_event_id INTEGER NOT NULL, updated_at_us INTEGER NOT NULL);
      CREATE TABLE events (machine_id INTEGER, event_id INTEGER, created_at_us INTEGER, data BLOB,
        PRIMARY KEY (machine_id, event_id)) WITHOUT ROWID;`);
    const insertMachine = db.prepare("INSERT INTO machines VALUES (?, 0, 0)");
    for (let id = 0; id < options.machines; id += 1) insertMachine.run(id);
    const update = db.prepare(
      "UPDATE machines SET last_event_id = last_event_id + 1, updated_at_us = ? WHERE id = ? RETURNING last_event_id",
    );
    const insert = db.prepare("INSERT INTO events VALUES (?, ?, ?, ?)");
    const step = db.transaction((id: number) => {
      const now = Date.now() * 1000;
      const { last_event_id: eventId } = update.get(now, id) as { last_event_id: number };
      insert.run(id, eventId, now, payload());
    });
    let steps = 0;
    const startedAt = performance.now();
    const endAt = startedAt + options.seconds * 1000;
    while (performance.now() < endAt) {
      step(steps % options.machines);
      steps += 1;
    }
    return { stepsPerSecond: steps / ((performance.now() - startedAt) / 1000) };
  } finally {
    db.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
