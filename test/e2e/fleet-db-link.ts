import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * The workers' road to PostgreSQL, which a test can cut: a loopback TCP relay to the server a database URL names.
 * Cut, it closes its port (new connections are refused, as from a database host that went away) and ends every
 * connection it carried.
 */
export class DatabaseLink {
  readonly #sockets = new Set<Socket>();
  readonly #target: URL;
  readonly #server: Server;

  private constructor(databaseUrl: string) {
    this.#target = new URL(databaseUrl);
    this.#server = createServer((inbound) => {
      const outbound = connect(Number(this.#target.port || 5432), this.#target.hostname);
      for (const socket of [inbound, outbound]) {
        this.#sockets.add(socket);
        socket.once('close', () => this.#sockets.delete(socket));
        // Errors (a cut, a peer gone) are what the workers are meant to meet; here they only end the pair.
        socket.on('error', () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.once('close', () => outbound.destroy());
      outbound.once('close', () => inbound.destroy());
    });
  }

  /** Opens a relay on a free loopback port to the host and port of `databaseUrl`. */
  static async open(databaseUrl: string): Promise<DatabaseLink> {
    const link = new DatabaseLink(databaseUrl);
    await new Promise<void>((resolve, reject) => {
      link.#server.once('error', reject);
      link.#server.listen(0, '127.0.0.1', resolve);
    });
    return link;
  }

  /** The database of the URL it was opened on, reached through this relay. */
  get url(): string {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the database link is not listening');
    const url = new URL(this.#target);
    url.hostname = '127.0.0.1';
    url.port = String(address.port);
    return url.toString();
  }

  /** Refuses new connections and ends every open one; resolves once the port is closed. */
  async cut(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}
