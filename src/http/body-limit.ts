/**
 * A bound on request bodies, for the JSON API and the SDK's processor server: a declared length above it is
 * refused before the body is read, and a body without one (chunked, or a DELETE sent by fetch, which declares
 * none) is read up to the bound. Hono's own bodyLimit rebuilds such a request with `new Request(request, …)`,
 * which Node's undici refuses for the Request class of @hono/node-server (both servers keep Node's globals:
 * overrideGlobalObjects is false), so each of those requests answered 500; this one rebuilds it from its URL.
 */
import type { Context, MiddlewareHandler } from "hono";

export function bodyLimit(options: {
  readonly maxBytes: number;
  readonly onTooLarge: (context: Context) => Response;
}): MiddlewareHandler {
  return async function bodyLimit(context, next) {
    const request = context.req.raw;
    if (request.body === null) return next();
    const declared = request.headers.get("content-length");
    if (declared !== null && !request.headers.has("transfer-encoding")) {
      return Number.parseInt(declared, 10) > options.maxBytes ? options.onTooLarge(context) : next();
    }
    const body = await readBounded(request.body, options.maxBytes);
    if (body === undefined) return options.onTooLarge(context);
    context.req.raw = new Request(request.url, {
      method: request.method,
      headers: request.headers,
      ...(body.byteLength === 0 ? {} : { body }),
    });
    return next();
  };
}

/** The stream's bytes, or undefined once they pass `maxBytes` (the rest is not read). */
async function readBounded(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}
