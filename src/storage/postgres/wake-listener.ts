/**
 * Listens on the schema's wake channel with a dedicated connection (a pooled one would be handed to other
 * work) and calls `onWake` for every notification.
 *
 * Modes: stopped → connecting → listening. A lost connection goes to backing-off, then connecting again with
 * a doubled delay (bounded), and once listening again `onWake` runs once: notifications sent while the
 * connection was down are gone, and work may have become due. `stop` from any mode ends in stopped; the
 * reconnect loop has no other exit because a storage wants wake-ups for as long as it is open.
 */
import assert from "node:assert/strict";
import pg from "pg";
import { coerceError } from "../../core/errors.js";
import { quoteChannel } from "./schema-name.js";

const MODES = Object.freeze({
  stopped: "stopped",
  connecting: "connecting",
  listening: "listening",
  backingOff: "backing-off",
});
type Mode = (typeof MODES)[keyof typeof MODES];

/** First reconnect delay, doubled per failed attempt up to the maximum; ±50 % jitter spreads the nodes. */
const RECONNECT_DELAY_MS_MIN = 50;
const RECONNECT_DELAY_MS_MAX = 5_000;

export interface WakeListenerOptions {
  readonly clientConfig: pg.ClientConfig;
  readonly channel: string;
  /** Called with the notification's payload ("" for a plain wake, and after a reconnect). */
  readonly onWake: (payload: string) => void;
  readonly onError: (error: Error) => void;
}

export class WakeListener {
  readonly #options: WakeListenerOptions;
  #mode: Mode = MODES.stopped;
  #client: pg.Client | null = null;
  #timer: NodeJS.Timeout | null = null;
  #delayMs = RECONNECT_DELAY_MS_MIN;
  #reconnecting = false;

  constructor(options: WakeListenerOptions) {
    this.#options = options;
  }

  get mode(): Mode {
    return this.#mode;
  }

  start(): void {
    assert.equal(this.#mode, MODES.stopped);
    this.#reconnecting = false;
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#mode = MODES.stopped;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const client = this.#client;
    this.#client = null;
    if (client !== null) await client.end().catch(() => undefined); // already broken: nothing left to close
  }

  async #connect(): Promise<void> {
    this.#mode = MODES.connecting;
    const client = new pg.Client(this.#options.clientConfig);
    this.#client = client;
    // Attached before connecting: a connection that breaks at any point emits here, and never crashes Node.
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, new Error("wake listener connection ended")));
    client.on("notification", (message) => {
      if (message.channel === this.#options.channel) this.#wake(message.payload ?? "");
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteChannel(this.#options.channel)}`);
    } catch (error) {
      this.#lost(client, coerceError(error));
      return;
    }
    if (this.#client !== client) return; // stopped or lost meanwhile
    this.#mode = MODES.listening;
    this.#delayMs = RECONNECT_DELAY_MS_MIN;
    if (this.#reconnecting) this.#wake("");
  }

  #lost(client: pg.Client, error: Error): void {
    if (this.#client !== client || this.#mode === MODES.stopped) return;
    this.#client = null;
    this.#options.onError(error);
    client.end().catch(() => undefined); // the connection is already broken; ending only frees the socket
    this.#mode = MODES.backingOff;
    this.#reconnecting = true;
    const delayMs = this.#delayMs * (0.5 + Math.random());
    this.#delayMs = Math.min(this.#delayMs * 2, RECONNECT_DELAY_MS_MAX);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#mode === MODES.backingOff) void this.#connect();
    }, delayMs);
  }

  #wake(payload: string): void {
    try {
      this.#options.onWake(payload);
    } catch (error) {
      // A listener's exception must not break the connection's event handling.
      this.#options.onError(coerceError(error));
    }
  }
}
