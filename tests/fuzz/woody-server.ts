/**
 * The woody-http target's server: a real HTTP server on 127.0.0.1, port 0, whose handler reads each request with
 * the request reader and answers it with the response writer. The check sends raw bytes over a fresh TCP
 * connection (so framing can lie), half-closes, reads until the server closes, and compares.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { type RequestOutcome, readWoodyRequest } from "../../src/mg/woody/request-reader.js";
import { writeError, writeReply } from "../../src/mg/woody/response-writer.js";
import type { FuzzSession } from "./fuzz-target.js";
import { violation } from "./fuzz-target.js";
import { checkOutcome, chunksOf, readerOptions, withinAnswerTime } from "./woody-checks.js";
import type { ArrivedBody, WoodyRequestInput } from "./woody-requests.js";

export interface HttpInput {
  readonly request: WoodyRequestInput;
  /** exact content-length, chunked, a content-length `delta` short or long, or none at all. */
  readonly framing: "length" | "chunked" | "short" | "long" | "none";
  readonly delta: number;
  readonly cuts: readonly number[];
}

type Handled = { readonly outcome: RequestOutcome } | { readonly error: unknown };

export async function openWoodyServer(): Promise<FuzzSession<HttpInput>> {
  const handled: Handled[] = [];
  const server = http.createServer((request, response) => {
    readWoodyRequest(request, readerOptions()).then(
      (outcome) => {
        handled.push({ outcome });
        if (outcome.ok) writeReply(response, new Uint8Array());
        else writeError(response, outcome.rejection);
      },
      (error: unknown) => {
        handled.push({ error });
        response.destroy();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    kind: "async",
    async check(input: HttpInput): Promise<void> {
      handled.length = 0;
      const answer = await withinAnswerTime(exchangeRaw(port, requestBytes(input)));
      if (handled.length !== 1) violation(`the handler ran ${handled.length} times`);
      const first = handled[0]!;
      if ("error" in first) throw first.error;
      checkOutcome(input.request, arrivedOf(input), first.outcome);
      // Bytes left over by a short or absent length are a second request that Node's parser refuses with its
      // own 400 at once, which may go out before the reader's answer; only the first answer is then certain.
      const leftover = input.framing === "short" || input.framing === "none";
      const status = first.outcome.ok ? 200 : first.outcome.rejection.status;
      if (!answer.startsWith(leftover ? "HTTP/1.1 " : `HTTP/1.1 ${status} `)) {
        violation(`the reader answered ${status}, the wire carried ${JSON.stringify(answer.slice(0, 160))}`);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function declaredOf(input: HttpInput): number | undefined {
  const length = input.request.body.byteLength;
  switch (input.framing) {
    case "length":
      return length;
    case "short":
      return Math.max(0, length - input.delta);
    case "long":
      return length + input.delta;
    default:
      return undefined;
  }
}

/** What the server's parser hands the reader under each framing. */
function arrivedOf(input: HttpInput): ArrivedBody {
  const { body } = input.request;
  const declaredBytes = declaredOf(input);
  switch (input.framing) {
    case "length":
    case "chunked":
      return { body, declaredBytes };
    case "short":
      return { body: body.subarray(0, declaredBytes), declaredBytes };
    case "long":
      return { body, declaredBytes, broken: true };
    case "none":
      return { body: new Uint8Array() };
  }
}

function requestBytes(input: HttpInput): Buffer {
  const { request } = input;
  const lines = [`${request.method} /v1/automaton HTTP/1.1`, "host: 127.0.0.1"];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  const declared = declaredOf(input);
  if (declared !== undefined) lines.push(`content-length: ${declared}`);
  if (input.framing === "chunked") lines.push("transfer-encoding: chunked");
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  if (input.framing !== "chunked") return Buffer.concat([head, request.body]);
  const chunks = chunksOf(request.body, input.cuts).flatMap((chunk) => [
    Buffer.from(`${chunk.byteLength.toString(16)}\r\n`),
    chunk,
    Buffer.from("\r\n"),
  ]);
  return Buffer.concat([head, ...chunks, Buffer.from("0\r\n\r\n")]);
}

/** Sends the bytes, half-closes, and resolves with everything the server wrote once it closes. */
function exchangeRaw(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    const socket = net.connect(port, "127.0.0.1", () => socket.end(bytes));
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(received).toString("latin1")));
  });
}
