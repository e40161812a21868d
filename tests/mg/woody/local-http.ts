/** Real HTTP servers on 127.0.0.1 and a raw client for the woody tests: no mocks, every byte over a socket. */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function listen(
  handler: (request: http.IncomingMessage, response: http.ServerResponse) => void,
): Promise<LocalServer> {
  const server = http.createServer((request, response) => {
    handler(request, response);
  });
  let connections = 0;
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/test`,
    port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on which nothing listens: one the OS just handed out and took back. */
export async function closedPort(): Promise<number> {
  const server = await listen(() => {});
  await server.close();
  return server.port;
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export function rawRequest(options: {
  url: string;
  method?: string;
  headers?: Record<string, string | number>;
  body?: Uint8Array;
}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(options.url, {
      method: options.method ?? "POST",
      headers: options.headers ?? {},
      agent: false,
    });
    request.on("error", reject);
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on("error", reject);
    });
    request.end(options.body);
  });
}

/** The headers a well-behaved woody client sends. */
export function woodyHeaders(extra: Record<string, string | number> = {}): Record<string, string | number> {
  return {
    "content-type": "application/x-thrift",
    accept: "application/x-thrift",
    "woody.trace-id": "trace-1",
    "woody.span-id": "span-1",
    "woody.parent-id": "undefined",
    ...extra,
  };
}

export function nowUs(): number {
  return Date.now() * 1000;
}
