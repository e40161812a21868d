/**
 * What every page shares: the API (remade when the token changes), the live refresh's tick (each tick reloads
 * what is on screen, without reloading the page) and the report of a 401, which opens the token field.
 * `useLoad` is how a page reads: it reloads on each tick and when its inputs change, keeps the last answer
 * while a reload runs (no flicker), and ignores answers that arrive after a newer request was sent.
 */
import { createContext } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { type ConsoleApi, isUnauthenticated } from "../api.js";

export interface ConsoleState {
  readonly api: ConsoleApi;
  /** Grows at each live refresh and after each action; loads depend on it. */
  readonly tick: number;
  /** Reloads what is on screen now (after an action). */
  refresh(): void;
  /** A request was answered 401: the node wants a token. */
  unauthenticated(): void;
}

export const ConsoleContext = createContext<ConsoleState | null>(null);

export function useConsole(): ConsoleState {
  const state = useContext(ConsoleContext);
  if (state === null) throw new Error("useConsole outside the console");
  return state;
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
}

export function useLoad<T>(load: (api: ConsoleApi) => Promise<T>, inputs: readonly unknown[]): Loaded<T> {
  const { api, tick, unauthenticated } = useConsole();
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loading: true });
  const sequence = useRef(0);
  const inFlight = useRef(false);
  const key = JSON.stringify(inputs);
  const lastKey = useRef<string | null>(null);
  const lastApi = useRef<ConsoleApi | null>(null);
  useEffect(() => {
    const changed = lastKey.current !== key || lastApi.current !== api;
    // A tick while the last read is still out adds nothing: its answer is as fresh as a new one would be.
    if (!changed && inFlight.current) return;
    lastKey.current = key;
    lastApi.current = api;
    const number = ++sequence.current;
    inFlight.current = true;
    if (changed) setState({ data: undefined, error: undefined, loading: true });
    load(api).then(
      (data) => {
        if (number !== sequence.current) return;
        inFlight.current = false;
        setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (number !== sequence.current) return;
        inFlight.current = false;
        if (isUnauthenticated(error)) unauthenticated();
        setState((previous) => ({ data: previous.data, error, loading: false }));
      },
    );
  }, [key, tick, api]);
  return state;
}
