/**
 * The namespace the extension tests run, in the test process and in the child node of extension-node.ts alike:
 * every step goes to the woody processor at `defaultUrl`, except the named step `capture`, which has its own woody
 * processor, deadline and retry policy; the named step `charge` has a policy with a non-retryable class.
 */
import type { RetryPolicy } from "../../../src/core/retry-policy.js";
import type { NamespaceOptions } from "../../../src/engine/namespace.js";
import { createWoodyProcessor } from "../../../src/mg/processor/woody-processor.js";

export const EXTENSION_NS = "ext";
/** The deadline of the `capture` step's processor call; the namespace's timer steps get MG's 60 s. */
export const CAPTURE_TIMEOUT_MS = 1500;
/** A fast policy: a Retry-After the processor sends is what makes a retry wait longer. */
export const FAST_RETRY: RetryPolicy = {
  backoff: { kind: "linear", initialIntervalMs: 10, incrementMs: 0 },
  maxAttempts: 10,
};

export function extensionNamespace(urls: { defaultUrl: string; captureUrl: string }): NamespaceOptions {
  const nowUs = () => Date.now() * 1000;
  return {
    name: EXTENSION_NS,
    processor: createWoodyProcessor({ url: urls.defaultUrl, nowUs }),
    processors: { capture: createWoodyProcessor({ url: urls.captureUrl, nowUs }) },
    timerRetryPolicy: FAST_RETRY,
    steps: {
      capture: { processor: "capture", timeoutMs: CAPTURE_TIMEOUT_MS, retryPolicy: FAST_RETRY },
      charge: { retryPolicy: { ...FAST_RETRY, nonRetryable: ["card_expired"] } },
    },
  };
}

/** Closes the woody clients' pooled connections (an engine does not own its processors). */
export async function closeProcessors(namespace: NamespaceOptions): Promise<void> {
  await namespace.processor.close?.();
  for (const processor of Object.values(namespace.processors ?? {})) await processor.close?.();
}
