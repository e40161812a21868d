/**
 * Reads an HTTP body into memory with a byte cap. Past the cap it stops reading at once (the caller then closes
 * the connection), so a hostile peer costs at most `bytesMax` of memory.
 */
import type { Readable } from "node:stream";

export type BodyOutcome =
  | { readonly kind: "complete"; readonly body: Uint8Array }
  | { readonly kind: "too large"; readonly receivedBytes: number }
  | { readonly kind: "broken"; readonly error: Error };

export function readBodyBounded(stream: Readable, bytesMax: number): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    const finish = (outcome: BodyOutcome) => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      stream.off("aborted", onAborted);
      // The outcome is decided; a later error of this stream concerns nobody and must not go unhandled.
      stream.on("error", ignoreError);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      receivedBytes += chunk.byteLength;
      if (receivedBytes > bytesMax) {
        stream.pause();
        finish({ kind: "too large", receivedBytes });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () =>
      finish({ kind: "complete", body: new Uint8Array(Buffer.concat(chunks, receivedBytes)) });
    const onError = (error: Error) => finish({ kind: "broken", error });
    const onAborted = () => finish({ kind: "broken", error: new Error("the peer aborted the message") });
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
    stream.on("aborted", onAborted);
  });
}

function ignoreError(): void {}
