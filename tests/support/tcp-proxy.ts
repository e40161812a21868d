/**
 * A TCP forwarder a test can cut and restore, to make a server unreachable for one client without touching the
 * shared server: stop() closes the listener and destroys every forwarded connection; resume() listens again on
 * the same port. cutAfter() breaks one connection right after a chosen message has gone through to the server,
 * so the server acts on it while the client never hears the answer. holdReplies() keeps every connection open
 * and forwards the clients' bytes, but holds the server's until releaseReplies(): answers that come late.
 */
import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Each forwarded connection's server side and its client. */
  private readonly upstreams = new Map<Socket, Socket>();
  private cut: ((chunk: Buffer) => boolean) | undefined;
  private cutDone: (() => void) | undefined;

  private constructor(
    private readonly target: { readonly host: string; readonly port: number },
    private listenPort: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, 0);
    await proxy.resume();
    return proxy;
  }

  get port(): number {
    return this.listenPort;
  }

  async resume(): Promise<void> {
    assert.equal(this.server, undefined, "the proxy is already listening");
    const server = createServer((client) => this.forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.listenPort, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    assert.ok(address !== null && typeof address === "object");
    this.listenPort = address.port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The server's bytes wait in the proxy until releaseReplies(); the clients' still reach the server. */
  holdReplies(): void {
    for (const [upstream, client] of this.upstreams) {
      upstream.unpipe(client);
      upstream.pause();
    }
  }

  /** Forwards what was held, and all that follows. */
  releaseReplies(): void {
    for (const [upstream, client] of this.upstreams) upstream.pipe(client);
  }

  /**
   * The next time a client sends a chunk that `matches`, the chunk is forwarded and that client's connection is
   * destroyed at once; the server side stays open a moment longer, so the server reads and acts on the chunk.
   * Resolves when the cut has happened.
   */
  cutAfter(matches: (chunk: Buffer) => boolean): Promise<void> {
    assert.equal(this.cut, undefined, "one cut at a time");
    return new Promise((resolve) => {
      this.cut = matches;
      this.cutDone = resolve;
    });
  }

  private forward(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    // Registered before the pipe, so it sees each chunk first; the pipe still forwards it, then the client goes.
    client.on("data", (chunk: Buffer) => {
      if (this.cut === undefined || !this.cut(chunk)) return;
      this.cut = undefined;
      setImmediate(() => {
        client.destroy();
        this.cutDone?.();
      });
    });
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    this.upstreams.set(upstream, client);
    upstream.on("close", () => this.upstreams.delete(upstream));
    client.pipe(upstream);
    upstream.pipe(client);
    // The server side outlives the client by a moment, so it reads everything the client sent before it went.
    client.on("close", () => setTimeout(() => upstream.destroy(), 500).unref());
    upstream.on("close", () => client.destroy());
  }
}
