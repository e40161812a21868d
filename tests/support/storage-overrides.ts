/**
 * A real storage with some of its methods replaced, for tests that make one node's storage misbehave (renewals
 * that fail, a step corrupted on its way to commit) while every other call goes to the real adapter.
 */
import type { Storage } from "../../src/storage/storage.js";

export type StorageOverrides = {
  [Method in keyof Storage]?: Storage[Method] extends (...args: infer A) => infer R
    ? (real: Storage, ...args: A) => R
    : never;
};

export function withOverrides(storage: Storage, overrides: StorageOverrides): Storage {
  return new Proxy(storage, {
    get(target, property) {
      const override = overrides[property as keyof Storage] as
        | ((real: Storage, ...args: unknown[]) => unknown)
        | undefined;
      if (override !== undefined) return (...args: unknown[]) => override(target, ...args);
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
